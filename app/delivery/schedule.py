"""When to try a failed delivery again (pure). Named constants, after Standard Webhooks / Svix."""

import random
from datetime import timedelta

# delay before attempt n+1 after n failed attempts: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 14 h, 20 h, 24 h — about three days in all
SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
ATTEMPTS = len(SCHEDULE)
JITTER = 0.2  # each delay is spread by ±20 % so retries of many events do not arrive together
RETRY_AFTER_MAX = timedelta(hours=24)  # a receiver's Retry-After is honoured up to this
TIMEOUT = timedelta(seconds=15)  # a receiver that has not answered by then has failed
DISABLE_AFTER = timedelta(days=5)  # a subscription failing without any success this long is disabled
RESPONSE_EXCERPT = 1000  # characters of a receiver's answer kept per attempt


def next_delay(
    failed_attempts: int, *, retry_after: timedelta | None, rng: random.Random
) -> timedelta | None:
    """The wait before the next attempt after `failed_attempts` failures; None when exhausted."""
    if failed_attempts >= ATTEMPTS:
        return None
    scheduled = SCHEDULE[failed_attempts]
    delay = scheduled * (1 + rng.uniform(-JITTER, JITTER))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
    return delay


def parse_retry_after(value: str | None) -> timedelta | None:
    """Retry-After in seconds (HTTP-dates are rare from webhook receivers and are ignored)."""
    if value and value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    return None
