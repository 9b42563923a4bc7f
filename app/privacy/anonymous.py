"""What a referral keeps once its personal data is erased, and when that is due (pure).

Kept, for the monitoring and for the parties' own records: the dates and statuses (received,
each milestone, closed), the gemeente and uitvoerder, the creditor and its kind, the kind of fixed
charge, the amount band, the crisis flag, the clocks, the routing method and the PC4 it routed
on, the creditor's own referentie (the Terugmelding carries it), and the history entries with
their enumerated details. Erased: the message (BSN, name, birth date, address, contact details,
customer number, amount, the creditor's explanation), the address an uitvoerder reported, every
free-text note in the history, the motivation of extension requests, and what receivers answered
to its deliveries.
"""

import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any

from app import clocks

# history details that are enumerations, dates, ids or gemeenten: no free text, no address
KEPT_GEGEVENS = frozenset(
    {
        "reden",
        "eindresultaat",
        "soort",
        "bereikt",
        "datum",
        "dagdeel",
        "verzoekId",
        "gevraagdTot",
        "akkoord",
        "nieuweEinddatum",
        "van",
        "naarGemeente",
        "naarUitvoerderId",
        "herindeling",
        "bevestigdBericht",
        "contactUiterlijk",
        "incassostopTot",
    }
)

# lower bounds of the amount bands, in euros
BEDRAG_KLASSEN = (0, 500, 1000, 2500, 5000)


def bedrag_klasse(bedrag: Decimal | int | float) -> str:
    """The band an arrears amount falls in: `0-499`, `500-999`, `1000-2499`, `2500-4999`, `5000+`."""
    lower = max(bound for bound in BEDRAG_KLASSEN if bound <= max(Decimal(str(bedrag)), Decimal(0)))
    following = [bound for bound in BEDRAG_KLASSEN if bound > lower]
    return f"{lower}-{following[0] - 1}" if following else f"{lower}+"


def kept_gegevens(gegevens: dict[str, Any]) -> dict[str, Any]:
    """The details of a history entry that stay once the referral's personal data is erased."""
    return {key: value for key, value in gegevens.items() if key in KEPT_GEGEVENS}


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier in Amsterdam (the last day of
    the month where that month is shorter)."""
    local = moment.astimezone(clocks.AMSTERDAM)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    month += 1
    earlier = local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))
    return earlier.astimezone(moment.tzinfo)


def retention_cutoff(now: datetime, months: int) -> datetime:
    """Referrals closed before this moment have passed their retention period at `now`."""
    return months_before(now, months)
