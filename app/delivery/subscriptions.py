"""Webhook subscriptions of an organisation: create, list, delete, rotate the secret, send a test."""

import base64
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import outbox
from app.delivery.models import Abonnement, Bezorging
from app.delivery.service import new_delivery
from app.delivery.webhook import WEBHOOK
from app.errors import Conflict, NotFound
from app.organisations.models import Organisatie
from app.outbox import AnswerType, EventType

ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def subscribe(
    session: AsyncSession, *, organisatie: Organisatie, url: str, event_types: list[EventType], now: datetime
) -> Abonnement:
    subscription = Abonnement(
        id=uuid.uuid4(),
        organisatie_id=organisatie.id,
        kanaal=WEBHOOK,
        url=url,
        event_types=sorted({t.value for t in event_types}),
        secret=new_secret(),
        actief=True,
        aangemaakt_op=now,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def subscriptions(session: AsyncSession, organisatie: Organisatie) -> list[Abonnement]:
    return list(
        await session.scalars(
            select(Abonnement)
            .where(Abonnement.organisatie_id == organisatie.id, Abonnement.kanaal == WEBHOOK)
            .order_by(Abonnement.aangemaakt_op)
        )
    )


async def subscription(
    session: AsyncSession, organisatie: Organisatie, abonnement_id: uuid.UUID
) -> Abonnement:
    found = await session.get(Abonnement, abonnement_id)
    # a peer channel's subscription is the operator's (wdv org channel), not the organisation's
    if found is None or found.organisatie_id != organisatie.id or found.kanaal != WEBHOOK:
        raise NotFound("no webhook subscription with this id for this organisation")
    return found


async def unsubscribe(session: AsyncSession, organisatie: Organisatie, abonnement_id: uuid.UUID) -> None:
    await session.delete(await subscription(session, organisatie, abonnement_id))


def rotate(found: Abonnement, *, now: datetime) -> str:
    """A new secret; the old one keeps signing alongside it for a day."""
    found.vorig_secret, found.vorig_secret_tot = found.secret, now + ROTATION_OVERLAP
    found.secret = new_secret()
    return found.secret


async def send_test_event(session: AsyncSession, found: Abonnement, *, now: datetime) -> Bezorging:
    """A test event for one subscription only (not in the mailbox)."""
    if not found.actief:
        raise Conflict(f"the subscription is disabled: {found.uitgeschakeld_reden}")
    event = outbox.enqueue(
        session, ontvanger_id=found.organisatie_id, soort=AnswerType.TEST, now=now, extra={"test": True}
    )
    event.verdeeld, event.bevestigd_op = True, now  # for this subscription only, not in the mailbox
    await session.flush()  # the delivery refers to the event
    delivery = new_delivery(event, found, now)
    session.add(delivery)
    return delivery
