"""Rate limits (pure): token buckets per API key, per client address, and for failed logins.

The buckets live in the process: with several server processes each counts on its own, so the
effective limit is the setting times the number of processes.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# buckets kept at most; full (idle) ones are forgotten first, so memory stays bounded
MAX_BUCKETS = 100_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """`per_minute` requests a minute, all of them usable at once; 0 means unlimited."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    max_buckets: int = MAX_BUCKETS
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    @property
    def _rate(self) -> float:
        return self.per_minute / 60.0

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_buckets:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
        else:
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.stamp) * self._rate)
            bucket.stamp = now
        return bucket

    def take(self, key: str) -> int | None:
        """Use one request of `key`'s allowance: None when allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        bucket = self._refilled(key, self.clock())
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return self._wait(bucket)

    def exhausted(self, key: str) -> int | None:
        """Like `take` without using anything: the seconds to wait, or None when some is left."""
        if self.per_minute <= 0 or key not in self._buckets:
            return None
        bucket = self._refilled(key, self.clock())
        return None if bucket.tokens >= 1.0 else self._wait(bucket)

    def _wait(self, bucket: _Bucket) -> int:
        return max(1, math.ceil((1.0 - bucket.tokens) / self._rate))

    def _forget_idle(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.stamp) * self._rate >= self.per_minute
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_buckets:
            # still full of active callers: forget the oldest half rather than grow without end
            oldest = sorted(self._buckets, key=lambda key: self._buckets[key].stamp)
            for key in oldest[: len(oldest) // 2]:
                del self._buckets[key]


@dataclass(frozen=True)
class Limits:
    """The limiters of one running app."""

    per_key: RateLimiter
    per_address: RateLimiter
    failed_auth: RateLimiter

    @classmethod
    def of(cls, *, per_key: int, per_address: int, failed_auth: int) -> "Limits":
        return cls(RateLimiter(per_key), RateLimiter(per_address), RateLimiter(failed_auth))
