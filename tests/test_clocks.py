"""The pilot's clocks: working days (Algemene termijnenwet), the contact deadline and the incassostop.

Every expected date below was worked out by hand from the calendar, not from the code under test.
Easter Sunday is 20 April 2025, 5 April 2026 and 28 March 2027.
"""

from datetime import date, datetime

import pytest

from app.clocks import (
    besluit_bekend,
    contact_uiterlijk,
    gelijkstelling,
    incassostop_tot,
    is_werkdag,
    ontvangstdag,
    werkdagen_na,
    werkdagen_tussen,
)


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


# --- days made equal to a holiday by decree (art. 3(3) Atw) ----------------------------------

# Each day with the decree that made it equal to a holiday, as published.
BESLUIT_2017_2019 = "28 april en 26 mei 2017, 11 mei en 24 en 31 december 2018 en 31 mei en 27 december 2019"
BESLUIT_2023_2025 = "28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 en 30 mei 2025"
BESLUIT_2026_2028 = "2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028"
DECREED = [
    pytest.param(date(2017, 4, 28), BESLUIT_2017_2019, id="2017-friday-after-koningsdag"),
    pytest.param(date(2017, 5, 26), BESLUIT_2017_2019, id="2017-friday-after-ascension"),
    pytest.param(date(2018, 5, 11), BESLUIT_2017_2019, id="2018-friday-after-ascension"),
    pytest.param(date(2018, 12, 24), BESLUIT_2017_2019, id="2018-monday-before-christmas"),
    pytest.param(date(2018, 12, 31), BESLUIT_2017_2019, id="2018-monday-before-new-year"),
    pytest.param(date(2019, 5, 31), BESLUIT_2017_2019, id="2019-friday-after-ascension"),
    pytest.param(date(2019, 12, 27), BESLUIT_2017_2019, id="2019-friday-after-christmas"),
    pytest.param(date(2023, 4, 28), BESLUIT_2023_2025, id="2023-friday-after-koningsdag"),
    pytest.param(date(2023, 5, 19), BESLUIT_2023_2025, id="2023-friday-after-ascension"),
    pytest.param(date(2024, 5, 10), BESLUIT_2023_2025, id="2024-friday-after-ascension"),
    pytest.param(date(2024, 12, 27), BESLUIT_2023_2025, id="2024-friday-after-christmas"),
    pytest.param(date(2025, 5, 30), BESLUIT_2023_2025, id="2025-friday-after-ascension"),
    pytest.param(date(2026, 1, 2), BESLUIT_2026_2028, id="2026-friday-after-new-year"),
    pytest.param(date(2026, 5, 15), BESLUIT_2026_2028, id="2026-friday-after-ascension"),
    pytest.param(date(2027, 5, 7), BESLUIT_2026_2028, id="2027-friday-after-ascension"),
    pytest.param(date(2028, 4, 28), BESLUIT_2026_2028, id="2028-friday-after-koningsdag"),
    pytest.param(date(2028, 5, 26), BESLUIT_2026_2028, id="2028-friday-after-ascension"),
]


@pytest.mark.parametrize(("day", "besluit"), DECREED)
def test_a_weekday_made_equal_to_a_holiday_by_decree_is_not_a_working_day(day: date, besluit: str) -> None:
    assert day.weekday() < 5  # a weekday: only the decree makes it a day off
    assert not is_werkdag(day)


@pytest.mark.parametrize(("day", "besluit"), DECREED)
def test_every_decreed_day_names_its_decree(day: date, besluit: str) -> None:
    found = gelijkstelling(day)

    assert found is not None
    assert found.besluit == f"Besluit gelijkstelling van {besluit} met een algemeen erkende feestdag"
    assert found.geldt_van <= day <= found.geldt_tot


@pytest.mark.parametrize(
    "day",
    [date(2026, 5, 13), date(2026, 5, 18), date(2027, 5, 10), date(2024, 5, 13)],
    ids=["2026-before-ascension", "2026-monday-after", "2027-monday-after", "2024-monday-after"],
)
def test_the_days_around_a_decreed_day_stay_working_days(day: date) -> None:
    assert is_werkdag(day)


@pytest.mark.parametrize(
    ("ontvangen", "uiterlijk"),
    [
        pytest.param(date(2023, 4, 26), date(2023, 5, 3), id="over-koningsdag-and-the-decreed-friday-2023"),
        pytest.param(date(2024, 12, 24), date(2025, 1, 2), id="over-christmas-and-the-decreed-friday-2024"),
        pytest.param(date(2025, 12, 31), date(2026, 1, 7), id="over-new-year-and-the-decreed-friday-2026"),
        pytest.param(date(2027, 5, 5), date(2027, 5, 12), id="over-ascension-and-the-decreed-friday-2027"),
        pytest.param(date(2019, 5, 29), date(2019, 6, 5), id="over-ascension-and-the-decreed-friday-2019"),
    ],
)
def test_a_decreed_day_moves_the_contact_deadline(ontvangen: date, uiterlijk: date) -> None:
    assert contact_uiterlijk(ontvangen) == uiterlijk


def test_working_days_between_two_dates_skip_a_decreed_day() -> None:
    """Wed 13 to Wed 20 May 2026: Ascension Day and the decreed Friday do not count."""
    assert werkdagen_tussen(date(2026, 5, 13), date(2026, 5, 20)) == 3
    assert werkdagen_na(date(2026, 5, 13), 1) == date(2026, 5, 18)


@pytest.mark.parametrize(
    ("day", "bekend"),
    [
        pytest.param(date(2016, 12, 30), False, id="before-the-first-decree"),
        pytest.param(date(2017, 1, 2), True, id="2017"),
        pytest.param(date(2021, 5, 14), False, id="2020-2022-not-on-file"),
        pytest.param(date(2025, 12, 31), True, id="last-day-of-2023-2025"),
        pytest.param(date(2028, 12, 29), True, id="last-year-on-file"),
        pytest.param(date(2029, 1, 2), False, id="past-the-last-decree"),
    ],
)
def test_the_table_knows_for_which_periods_a_decree_is_on_file(day: date, bekend: bool) -> None:
    assert besluit_bekend(day) is bekend


def test_past_the_last_decree_the_deadline_counts_the_statutory_holidays() -> None:
    """Ascension Day 2029 is Thursday 10 May; no decree yet, so Friday 11 May counts."""
    assert contact_uiterlijk(date(2029, 5, 9)) == date(2029, 5, 15)


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
        pytest.param(date(2026, 5, 13), date(2026, 5, 20), id="over-ascension-and-the-decreed-friday-2026"),
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
