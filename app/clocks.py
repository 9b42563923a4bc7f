"""The pilot's clocks (pure): collection hold, the 3-working-day contact deadline, working days.
Whether the contact promise was kept is `referrals/contact_promise.py`.

Working days follow the Algemene termijnenwet: not Saturday or Sunday, and not Nieuwjaarsdag,
Goede Vrijdag, 2e Paasdag, Koningsdag, 5 mei, Hemelvaartsdag, 2e Pinksterdag, 1e/2e Kerstdag.
The `holidays` package counts 5 May only in lustrum years unless its optional category is asked
for, so both categories are used and checked against this list in the tests.

Nor are the days that a decree under article 3(3) Atw makes equal to a holiday (a "Besluit
gelijkstelling …" in the Staatscourant, usually for three years at a time, e.g. the Friday after
Ascension Day). They cannot be computed: they are read once, at import, from the dated table
`app/data/atw_gelijkgestelde_dagen.csv`, which names the decree of every day and the period that
decree covers. For a day outside every covered period the clocks still answer, counting the
statutory holidays only; `besluit_bekend` tells callers so they can warn.
"""

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INCASSOSTOP_DAGEN = 30
CONTACT_WERKDAGEN = 3
GELIJKSTELLINGEN_BESTAND = "atw_gelijkgestelde_dagen.csv"


@dataclass(frozen=True)
class Gelijkstelling:
    """A day made equal to a holiday by decree (art. 3(3) Atw), and the decree that did so."""

    datum: date
    besluit: str
    vindplaats: str
    geldt_van: date  # the period the decree covers
    geldt_tot: date


def read_gelijkstellingen(lines: Iterator[str]) -> tuple[Gelijkstelling, ...]:
    """The table's rows, checked: a decree's days lie in its period and on weekdays."""
    rows = []
    for number, row in enumerate(csv.DictReader(lines), start=2):
        try:
            gelijkstelling = Gelijkstelling(
                datum=date.fromisoformat(row["datum"]),
                besluit=row["besluit"].strip(),
                vindplaats=(row["vindplaats"] or "").strip(),
                geldt_van=date.fromisoformat(row["geldt_van"]),
                geldt_tot=date.fromisoformat(row["geldt_tot"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{GELIJKSTELLINGEN_BESTAND}:{number}: {exc}") from exc
        if not gelijkstelling.besluit:
            raise ValueError(f"{GELIJKSTELLINGEN_BESTAND}:{number}: the decree is not named")
        if not gelijkstelling.geldt_van <= gelijkstelling.datum <= gelijkstelling.geldt_tot:
            raise ValueError(f"{GELIJKSTELLINGEN_BESTAND}:{number}: the day lies outside its decree's period")
        if gelijkstelling.datum.weekday() >= 5:
            raise ValueError(f"{GELIJKSTELLINGEN_BESTAND}:{number}: a decree never needs a weekend day")
        rows.append(gelijkstelling)
    return tuple(rows)


def _load_gelijkstellingen() -> tuple[Gelijkstelling, ...]:
    table = resources.files("app") / "data" / GELIJKSTELLINGEN_BESTAND
    with table.open("r", encoding="utf-8") as handle:
        return read_gelijkstellingen(handle)


GELIJKGESTELDE_DAGEN: Mapping[date, Gelijkstelling] = MappingProxyType(
    {g.datum: g for g in _load_gelijkstellingen()}
)
# the periods for which a decree is on file (a period without decreed days is still known)
BESLUITPERIODES: tuple[tuple[date, date], ...] = tuple(
    sorted({(g.geldt_van, g.geldt_tot) for g in GELIJKGESTELDE_DAGEN.values()})
)


def besluit_bekend(day: date) -> bool:
    """Whether the table holds the decree for the period of `day` (otherwise a day the government
    made equal to a holiday there would be counted as a working day)."""
    return any(van <= day <= tot for van, tot in BESLUITPERIODES)


def gelijkstelling(day: date) -> Gelijkstelling | None:
    return GELIJKGESTELDE_DAGEN.get(day)


@lru_cache(maxsize=64)
def _feestdagen(year: int) -> frozenset[date]:
    import holidays  # on first use: commands that only need the date of today start faster

    calendar = holidays.country_holidays("NL", years=year, categories=(holidays.PUBLIC, holidays.OPTIONAL))
    return frozenset(calendar.keys())


def is_werkdag(day: date) -> bool:
    return day.weekday() < 5 and day not in _feestdagen(day.year) and day not in GELIJKGESTELDE_DAGEN


def werkdagen_na(day: date, count: int) -> date:
    """The `count`-th working day after `day` (the day itself never counts)."""
    current = day
    remaining = count
    while remaining:
        current += timedelta(days=1)
        if is_werkdag(current):
            remaining -= 1
    return current


def werkdagen_tussen(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_werkdag(current):
            days += 1
    return days


def gelijkstellingen_tussen(start: date, end: date) -> list[Gelijkstelling]:
    """The decreed days after `start` up to and including `end` (what a deadline skipped)."""
    return [g for day, g in sorted(GELIJKGESTELDE_DAGEN.items()) if start < day <= end]


def ontvangstdag(moment: datetime) -> date:
    """The Amsterdam calendar day on which a moment (any offset) falls."""
    if moment.tzinfo is None:
        raise ValueError("a moment needs an offset")
    return moment.astimezone(AMSTERDAM).date()


def incassostop_tot(ontvangen: date) -> date:
    """Last day of the collection hold: the day of receipt plus 30 calendar days."""
    return ontvangen + timedelta(days=INCASSOSTOP_DAGEN)


def contact_uiterlijk(ontvangen: date) -> date:
    """The municipality makes contact by the end of the 3rd working day after receipt."""
    return werkdagen_na(ontvangen, CONTACT_WERKDAGEN)


def utc_text(moment: datetime) -> str:
    """A moment as the API writes it: ISO 8601 in UTC with `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def vandaag(now: datetime | None = None) -> date:
    return ontvangstdag(now or datetime.now(UTC))


def incassostop_loopt(day: date, *, ontvangen: date, tot: date, ingetrokken_op: date | None) -> bool:
    """Whether the collection hold covers `day`: from the day of receipt through its last day
    (including an agreed extension), unless the creditor withdrew the referral on or before it."""
    if ingetrokken_op is not None and ingetrokken_op <= day:
        return False
    return ontvangen <= day <= tot
