"""The one small protocol every push channel implements (webhook, Vroegsignalering,
Schuldenknooppunt), and the registry the worker looks channels up in. The worker knows this
protocol, not the channels: peers register their channels at start-up, and a subscription on a
channel nobody registered fails its attempts with a clear error instead of going anywhere else.

The polling mailbox needs no channel: it is the outbox itself, read and confirmed through the API.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.delivery.models import Abonnement
from app.outbox import Uitgaand


@dataclass(frozen=True)
class Request:
    url: str
    payload: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    statuscode: int | None
    duur_ms: int
    antwoord: str | None
    fout: str | None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.statuscode is not None and 200 <= self.statuscode < 300 and self.fout is None

    @classmethod
    def failed(cls, fout: str, duur_ms: int = 0) -> "Outcome":
        return cls(statuscode=None, duur_ms=duur_ms, antwoord=None, fout=fout[:500])


class NotConfigured(Exception):
    """The channel cannot send: its peer's address is not set."""


class Gone(Exception):
    """What the event would carry no longer exists (the referral's personal data was erased)."""


class UnknownChannel(LookupError):
    """A subscription names a channel that is not registered."""


class Channel(Protocol):
    name: str

    async def prepare(
        self, session: AsyncSession, event: Uitgaand, abonnement: Abonnement, *, now: datetime
    ) -> Request:
        """The request for one delivery, built inside the claim's transaction. Raising fails this
        attempt alone (NotConfigured or Gone with its reason, anything else as "no request")."""
        ...

    async def send(self, request: Request) -> Outcome:
        """Send outside any transaction, bounded in time; a refusal dressed as success is a failure."""
        ...


class Channels:
    """The registered channels, by name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        if channel.name in self._by_name:
            raise ValueError(f"a channel named {channel.name} is already registered")
        self._by_name[channel.name] = channel

    def __getitem__(self, name: str) -> Channel:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownChannel(f"no delivery channel {name!r} is registered") from None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)
