"""The polling mailbox: an organisation's unconfirmed outbox events, oldest first, with a cursor."""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.organisations.models import Organisatie
from app.outbox import Uitgaand


@dataclass(frozen=True)
class Page:
    events: list[Uitgaand]
    cursor: str | None


def _cursor(event: Uitgaand) -> str:
    position = f"{event.aangemaakt_op.isoformat()}|{event.volgnummer}|{event.id}"
    return base64.urlsafe_b64encode(position.encode()).decode()


def _after(cursor: str) -> tuple[datetime, int, uuid.UUID]:
    try:
        moment, volgnummer, ident = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        position = datetime.fromisoformat(moment), int(volgnummer), uuid.UUID(ident)
        if position[0].tzinfo is None or not 0 <= position[1] < 2**31:
            raise ValueError("out of range")
        return position
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor from this service") from exc


async def mailbox(session: AsyncSession, organisatie: Organisatie, *, limit: int, cursor: str | None) -> Page:
    """Unconfirmed events, oldest first (a referral's events written at one moment in their
    order); they keep coming back until confirmed."""
    position = tuple_(Uitgaand.aangemaakt_op, Uitgaand.volgnummer, Uitgaand.id)
    query = select(Uitgaand).where(Uitgaand.ontvanger_id == organisatie.id, Uitgaand.bevestigd_op.is_(None))
    if cursor:
        query = query.where(position > tuple_(*_after(cursor)))
    order = (Uitgaand.aangemaakt_op, Uitgaand.volgnummer, Uitgaand.id)
    rows = list(await session.scalars(query.order_by(*order).limit(limit + 1)))
    return Page(rows[:limit], _cursor(rows[limit - 1]) if len(rows) > limit else None)


async def event_for(session: AsyncSession, organisatie: Organisatie, event_id: uuid.UUID) -> Uitgaand:
    event = await session.get(Uitgaand, event_id, with_for_update=True)
    if event is None or event.ontvanger_id != organisatie.id:
        raise NotFound("no message with this id for this organisation")
    return event
