"""Referrals in a given state, made through the service's own code rather than by editing rows:
received at a chosen moment (so the service computes its clocks for that day), then moved along
by the uitvoerder's and the creditor's own messages."""

import json
import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.messages import types
from app.messages.specs import MessageKind
from app.messages.validation import Message, read_message
from app.organisations.models import Organisatie
from app.referrals import inbound, intake
from app.referrals.lifecycle import Status
from app.routing.service import RoutingCache
from tests.conftest import Party
from tests.support.lifecycle import message, status_message
from tests.support.messages import referral

ROUTING = RoutingCache(0)


def _parsed(kind: MessageKind, data: dict[str, Any]) -> Message:
    return read_message(kind, json.dumps(data).encode(), "application/json", max_depth=32)


async def received(
    sessionmaker: async_sessionmaker[AsyncSession],
    creditor: Party,
    *,
    on: datetime,
    sent: dict[str, Any] | None = None,
    **changes: Any,
) -> str:
    """A referral (`sent`, or the minimal one with `changes`) taken in by the intake as if it
    arrived at `on`; returns its path."""
    message = _parsed(MessageKind.DOORVERWIJZING, sent or referral(**changes))
    async with sessionmaker() as session, session.begin():
        schuldeiser = await session.get(Organisatie, creditor.id)
        assert schuldeiser is not None
        outcome = await intake.receive(
            session,
            schuldeiser=schuldeiser,
            message=cast(types.Doorverwijzing, message.data),
            routing=ROUTING,
            now=on,
        )
    assert isinstance(outcome, intake.Accepted), outcome
    return f"/v1/doorverwijzingen/{outcome.doorverwijzing.id}"


async def applied(
    sessionmaker: async_sessionmaker[AsyncSession],
    party: Party,
    path: str,
    kind: MessageKind,
    data: dict[str, Any],
    *,
    on: datetime,
    target_id: uuid.UUID | None = None,
) -> None:
    """`party` sends a message about the referral (or about `target_id`, an extension request of
    it) at `on`, through the one inbound contract."""
    message = _parsed(kind, data)
    async with sessionmaker() as session, session.begin():
        organisatie = await session.get(Organisatie, party.id)
        assert organisatie is not None
        await inbound.apply(
            session,
            organisatie=organisatie,
            doorverwijzing=uuid.UUID(path.rsplit("/", 1)[-1]),
            kind=kind,
            message=message,
            routing=ROUTING,
            now=on,
            target_id=target_id,
        )


async def withdrawn(
    sessionmaker: async_sessionmaker[AsyncSession], creditor: Party, path: str, *, on: datetime, **fields: Any
) -> None:
    """The creditor withdraws the referral at `on` (reden betaald unless given)."""
    intrekking = message(**({"reden": "betaald"} | fields))
    await applied(sessionmaker, creditor, path, MessageKind.INTREKKING, intrekking, on=on)


async def reported(
    sessionmaker: async_sessionmaker[AsyncSession],
    uitvoerder: Party,
    path: str,
    status: Status,
    *,
    on: datetime,
    **fields: Any,
) -> None:
    """The uitvoerder reports `status` at `on`."""
    await applied(
        sessionmaker, uitvoerder, path, MessageKind.STATUSMELDING, status_message(status, **fields), on=on
    )
