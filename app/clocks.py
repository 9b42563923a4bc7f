"""The pilot's clocks (pure): collection hold, the 3-working-day contact deadline, working days.

Working days follow the Algemene termijnenwet: not Saturday or Sunday, and not Nieuwjaarsdag,
Goede Vrijdag, 2e Paasdag, Koningsdag, 5 mei, Hemelvaartsdag, 2e Pinksterdag, 1e/2e Kerstdag.
The `holidays` package counts 5 May only in lustrum years unless its optional category is asked
for, so both categories are used and checked against this list in the tests.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INCASSOSTOP_DAGEN = 30
CONTACT_WERKDAGEN = 3


@lru_cache(maxsize=64)
def _feestdagen(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("NL", years=year, categories=(holidays.PUBLIC, holidays.OPTIONAL))
    return frozenset(calendar.keys())


def is_werkdag(day: date) -> bool:
    return day.weekday() < 5 and day not in _feestdagen(day.year)


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


def contact_termijn_gehaald(
    *, eerste_contactpoging: date | None, uiterlijk: date, today: date
) -> bool | None:
    """Whether the contact promise was kept: the first attempt on or before the deadline; False
    once the deadline passed without one; None while it can still be kept."""
    if eerste_contactpoging is not None:
        return eerste_contactpoging <= uiterlijk
    if today > uiterlijk:
        return False
    return None
