"""The retry schedule and the webhook target rules (pure: no database, no network)."""

import random
from datetime import timedelta

import pytest

from app.delivery.schedule import ATTEMPTS, JITTER, RETRY_AFTER_MAX, SCHEDULE, next_delay, parse_retry_after
from app.delivery.targets import TargetRefused, check, check_syntax, is_public

SEEDS = range(200)


# --- the schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("failed", range(ATTEMPTS))
def test_each_delay_follows_the_schedule_within_twenty_percent_jitter(failed: int) -> None:
    rng = random.Random(0)

    delays = [next_delay(failed, retry_after=None, rng=rng) for _ in SEEDS]

    scheduled = SCHEDULE[failed]
    assert all(d is not None and scheduled * (1 - JITTER) <= d <= scheduled * (1 + JITTER) for d in delays)


def test_the_jitter_spreads_retries_of_many_events() -> None:
    rng = random.Random(0)

    delays = {next_delay(3, retry_after=None, rng=rng) for _ in SEEDS}

    assert len(delays) == len(SEEDS)
    assert min(d for d in delays if d) < SCHEDULE[3] * 0.9
    assert max(d for d in delays if d) > SCHEDULE[3] * 1.1


def test_the_first_attempt_is_immediate() -> None:
    assert next_delay(0, retry_after=None, rng=random.Random(0)) == timedelta(0)


def test_the_schedule_spans_about_three_days_in_ten_attempts() -> None:
    assert ATTEMPTS == 10
    assert timedelta(days=2.5) <= sum(SCHEDULE, timedelta(0)) <= timedelta(days=3.5)
    assert list(SCHEDULE) == sorted(SCHEDULE)


@pytest.mark.parametrize("failed", [ATTEMPTS, ATTEMPTS + 1, 50])
def test_after_ten_failures_there_is_no_next_attempt(failed: int) -> None:
    assert next_delay(failed, retry_after=timedelta(seconds=5), rng=random.Random(0)) is None


def test_a_longer_retry_after_is_honoured() -> None:
    delay = next_delay(1, retry_after=timedelta(hours=1), rng=random.Random(0))

    assert delay == timedelta(hours=1)


def test_a_retry_after_beyond_a_day_is_clamped_to_a_day() -> None:
    delay = next_delay(1, retry_after=timedelta(days=30), rng=random.Random(0))

    assert delay == RETRY_AFTER_MAX == timedelta(hours=24)


def test_a_shorter_retry_after_does_not_bring_the_schedule_forward() -> None:
    delay = next_delay(4, retry_after=timedelta(seconds=10), rng=random.Random(0))

    assert delay is not None
    assert delay >= SCHEDULE[4] * (1 - JITTER)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 60 ", timedelta(seconds=60)),
        ("0", timedelta(0)),
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),  # HTTP-dates are ignored
    ],
)
def test_parse_retry_after_reads_seconds_only(header: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(header) == expected


# --- where webhooks may go --------------------------------------------------------------------------


def test_an_https_url_gives_its_host() -> None:
    assert check_syntax("https://zaaksysteem.example.nl/webhooks/wdv", allow_local=False) == (
        "zaaksysteem.example.nl"
    )


def test_an_http_url_is_refused() -> None:
    with pytest.raises(TargetRefused, match="https"):
        check_syntax("http://zaaksysteem.example.nl/webhooks", allow_local=False)


def test_an_http_url_is_accepted_where_local_targets_are_allowed() -> None:
    assert check_syntax("http://127.0.0.1:8080/hook", allow_local=True) == "127.0.0.1"


@pytest.mark.parametrize("url", ["ftp://example.nl/hook", "file:///etc/passwd", "gopher://example.nl/"])
def test_other_schemes_are_refused_even_where_local_targets_are_allowed(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_syntax(url, allow_local=True)


@pytest.mark.parametrize(
    "url", ["https://user:secret@example.nl/hook", "https://token@example.nl/hook", "https://:pw@example.nl/"]
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused, match="credentials"):
        check_syntax(url, allow_local=False)


@pytest.mark.parametrize("url", ["https:///hook", "https://", "https://@/hook"])
def test_a_url_without_a_host_is_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_syntax(url, allow_local=False)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata
        "fe80::1",
        "fc00::1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "::",
        "224.0.0.1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "145.21.0.1", "2001:4860:4860::8888"])
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize("address", ["100.64.0.1", "100.100.100.200"])
def test_shared_address_space_is_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/hook",
        "https://0x7f000001/hook",
        "https://2130706433/hook",
        "https://[::ffff:7f00:1]/hook",
    ],
)
async def test_other_spellings_of_loopback_are_refused_when_sending(url: str) -> None:
    with pytest.raises(TargetRefused, match="non-public"):
        await check(url, allow_local=False)


async def test_a_public_address_passes_the_check() -> None:
    await check("https://93.184.215.14/hook", allow_local=False)
