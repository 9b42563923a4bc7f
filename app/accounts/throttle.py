"""When failed logins lock an account or a client address for a while (pure)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    """`max_failures` failed logins within `window` lock for `lockout` after the last of them."""

    max_failures: int
    window: timedelta
    lockout: timedelta

    @property
    def horizon(self) -> timedelta:
        """How far back a failure can still matter."""
        return self.window + self.lockout


def locked_until(failures: Sequence[datetime], limits: Limits, *, now: datetime) -> datetime | None:
    """The moment the lock ends, or None when not locked. `failures` are the moments of the
    failed attempts that count (for an account: those since its last successful login)."""
    if limits.max_failures <= 0 or len(failures) < limits.max_failures:
        return None
    ordered = sorted(failures)
    newest = ordered[-1]
    within = [moment for moment in ordered if moment > newest - limits.window]
    if len(within) < limits.max_failures:
        return None
    until = newest + limits.lockout
    return until if until > now else None
