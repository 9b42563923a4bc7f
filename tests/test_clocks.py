"""The pilot's clocks: working days (Algemene termijnenwet), the contact deadline and the incassostop.

Every expected date below was worked out by hand from the calendar, not from the code under test.
Easter Sunday is 20 April 2025, 5 April 2026 and 28 March 2027.
"""

from datetime import date, datetime

import pytest

from app.clocks import contact_uiterlijk, incassostop_tot, is_werkdag, ontvangstdag, werkdagen_tussen


@pytest.mark.parametrize(
    "day",
    [date(2025, 4, 18), date(2026, 4, 3), date(2027, 3, 26)],
    ids=["2025", "2026", "2027"],
)
def test_good_friday_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 4, 21), date(2026, 4, 6), date(2027, 3, 29)],
    ids=["2025", "2026", "2027"],
)
def test_easter_monday_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 27), date(2027, 4, 27)],
    ids=["2026-monday", "2027-tuesday"],
)
def test_koningsdag_on_a_weekday_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


def test_koningsdag_2025_moves_back_to_saturday_so_monday_28_april_is_a_working_day() -> None:
    """27 April 2025 is a Sunday: Koningsdag is on Saturday the 26th, never moved to the Monday."""
    assert is_werkdag(date(2025, 4, 28))


@pytest.mark.parametrize(
    "day",
    [date(2026, 5, 5), date(2027, 5, 5)],
    ids=["2026-tuesday", "2027-wednesday"],
)
def test_liberation_day_is_not_a_working_day_in_a_non_lustrum_year(day: date) -> None:
    assert not is_werkdag(day)


def test_liberation_day_is_not_a_working_day_in_a_lustrum_year() -> None:
    assert not is_werkdag(date(2025, 5, 5))


@pytest.mark.parametrize(
    "day",
    [date(2025, 5, 29), date(2026, 5, 14), date(2027, 5, 6)],
    ids=["2025", "2026", "2027"],
)
def test_ascension_day_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 6, 9), date(2026, 5, 25), date(2027, 5, 17)],
    ids=["2025", "2026", "2027"],
)
def test_whit_monday_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


@pytest.mark.parametrize(
    "day",
    [date(2025, 12, 25), date(2025, 12, 26), date(2026, 12, 25)],
    ids=["2025-first", "2025-second", "2026-first"],
)
def test_christmas_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


def test_new_years_day_is_not_a_working_day() -> None:
    assert not is_werkdag(date(2026, 1, 1))


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 7), date(2026, 3, 8)],
    ids=["saturday", "sunday"],
)
def test_a_weekend_day_is_not_a_working_day(day: date) -> None:
    assert not is_werkdag(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 9), date(2026, 4, 2), date(2026, 4, 7), date(2026, 5, 4), date(2026, 12, 24)],
    ids=["ordinary-monday", "maundy-thursday", "tuesday-after-easter", "4-may", "christmas-eve"],
)
def test_an_ordinary_weekday_is_a_working_day(day: date) -> None:
    assert is_werkdag(day)


# --- the contact deadline: end of the 3rd working day after the day of receipt ----------------


@pytest.mark.parametrize(
    ("ontvangen", "uiterlijk"),
    [
        pytest.param(date(2026, 3, 9), date(2026, 3, 12), id="ordinary-monday-to-thursday"),
        pytest.param(date(2026, 3, 12), date(2026, 3, 17), id="thursday-over-a-weekend-to-tuesday"),
        pytest.param(date(2026, 4, 2), date(2026, 4, 9), id="before-good-friday-and-easter-monday"),
        pytest.param(date(2026, 5, 1), date(2026, 5, 7), id="friday-1-may-over-5-may"),
        pytest.param(date(2026, 3, 7), date(2026, 3, 11), id="saturday-to-wednesday"),
        pytest.param(date(2026, 3, 8), date(2026, 3, 11), id="sunday-to-wednesday"),
        pytest.param(date(2026, 4, 23), date(2026, 4, 29), id="over-koningsdag-2026"),
        pytest.param(date(2026, 5, 13), date(2026, 5, 19), id="over-ascension-2026"),
        pytest.param(date(2026, 5, 22), date(2026, 5, 28), id="over-whit-monday-2026"),
        pytest.param(date(2025, 12, 24), date(2025, 12, 31), id="christmas-eve-2025"),
        pytest.param(date(2026, 12, 24), date(2026, 12, 30), id="christmas-eve-2026"),
        pytest.param(date(2026, 12, 30), date(2027, 1, 5), id="over-new-year"),
    ],
)
def test_contact_is_due_by_the_third_working_day_after_receipt(ontvangen: date, uiterlijk: date) -> None:
    assert contact_uiterlijk(ontvangen) == uiterlijk


def test_a_referral_received_on_a_holiday_counts_from_the_next_working_day() -> None:
    """Received on Good Friday 2026: Easter Monday does not count, so Tue 7, Wed 8, Thu 9 April."""
    assert contact_uiterlijk(date(2026, 4, 3)) == date(2026, 4, 9)


@pytest.mark.parametrize(
    ("start", "end", "werkdagen"),
    [
        pytest.param(date(2026, 4, 2), date(2026, 4, 9), 3, id="over-easter"),
        pytest.param(date(2026, 5, 1), date(2026, 5, 7), 3, id="over-5-may"),
        pytest.param(date(2026, 3, 9), date(2026, 3, 9), 0, id="same-day"),
        pytest.param(date(2026, 3, 12), date(2026, 3, 9), 0, id="end-before-start"),
    ],
)
def test_working_days_between_two_dates_count_the_end_but_not_the_start(
    start: date, end: date, werkdagen: int
) -> None:
    assert werkdagen_tussen(start, end) == werkdagen


# --- the incassostop ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ontvangen", "tot"),
    [
        pytest.param(date(2026, 11, 23), date(2026, 12, 23), id="within-a-year"),
        pytest.param(date(2026, 12, 15), date(2027, 1, 14), id="over-new-year"),
        pytest.param(date(2028, 2, 1), date(2028, 3, 2), id="over-a-leap-day"),
        pytest.param(date(2026, 4, 2), date(2026, 5, 2), id="holidays-do-not-matter"),
    ],
)
def test_the_incassostop_lasts_30_calendar_days_from_receipt(ontvangen: date, tot: date) -> None:
    assert incassostop_tot(ontvangen) == tot


# --- the day of receipt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "dag"),
    [
        pytest.param(
            "2026-04-30T23:30:00+00:00", date(2026, 5, 1), id="utc-late-evening-is-next-day-in-summer"
        ),
        pytest.param("2026-01-01T00:30:00+02:00", date(2025, 12, 31), id="early-east-offset-is-previous-day"),
        pytest.param("2026-01-15T22:59:59+00:00", date(2026, 1, 15), id="winter-before-midnight"),
        pytest.param("2026-01-15T23:00:00+00:00", date(2026, 1, 16), id="winter-at-midnight"),
        pytest.param("2026-03-09T12:00:00+01:00", date(2026, 3, 9), id="amsterdam-offset"),
    ],
)
def test_the_day_of_receipt_is_the_amsterdam_calendar_day(moment: str, dag: date) -> None:
    assert ontvangstdag(datetime.fromisoformat(moment)) == dag


def test_a_moment_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        ontvangstdag(datetime(2026, 4, 30, 23, 30))  # naive on purpose
