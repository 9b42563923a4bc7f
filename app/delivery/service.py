"""Subscriptions, the polling mailbox, and the delivery bookkeeping (fan-out, claims, outcomes).

Sending happens outside any transaction (`sender.py`); everything here runs inside one.
"""

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.delivery import schedule
from app.delivery.models import Abonnement, Bezorging, Bezorgpoging, Uitgaand
from app.errors import Conflict, NotFound
from app.organisations.models import Organisatie
from app.referrals.history import EVENT_TYPE_PREFIX
from app.referrals.projection import Soort

ROTATION_OVERLAP = timedelta(hours=24)
WEBHOOK = "webhook"
TEST_TYPE = EVENT_TYPE_PREFIX + "test"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# --- subscriptions ----------------------------------------------------------------------------


async def subscribe(
    session: AsyncSession, *, organisatie: Organisatie, url: str, soorten: list[Soort], now: datetime
) -> Abonnement:
    subscription = Abonnement(
        id=uuid.uuid4(),
        organisatie_id=organisatie.id,
        url=url,
        soorten=sorted({s.value for s in soorten}),
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
            .where(Abonnement.organisatie_id == organisatie.id, Abonnement.soort == WEBHOOK)
            .order_by(Abonnement.aangemaakt_op)
        )
    )


async def subscription(
    session: AsyncSession, organisatie: Organisatie, abonnement_id: uuid.UUID
) -> Abonnement:
    found = await session.get(Abonnement, abonnement_id)
    # a peer channel's subscription is the operator's (wdv org channel), not the organisation's
    if found is None or found.organisatie_id != organisatie.id or found.soort != WEBHOOK:
        raise NotFound("no webhook subscription with this id for this organisation")
    return found


async def unsubscribe(session: AsyncSession, organisatie: Organisatie, abonnement_id: uuid.UUID) -> None:
    await session.delete(await subscription(session, organisatie, abonnement_id))


def rotate(found: Abonnement, *, now: datetime) -> str:
    """A new secret; the old one keeps signing alongside it for a day."""
    found.vorig_secret, found.vorig_secret_tot = found.secret, now + ROTATION_OVERLAP
    found.secret = new_secret()
    return found.secret


def signing_secrets(found: Abonnement, now: datetime) -> list[str]:
    if found.vorig_secret and found.vorig_secret_tot and found.vorig_secret_tot > now:
        return [found.secret, found.vorig_secret]
    return [found.secret]


async def send_test_event(session: AsyncSession, found: Abonnement, *, now: datetime) -> Bezorging:
    """A test event for one subscription only (not in the mailbox)."""
    if not found.actief:
        raise Conflict(f"the subscription is disabled: {found.uitgeschakeld_reden}")
    event = Uitgaand(
        id=uuid.uuid4(),
        ontvanger_id=found.organisatie_id,
        doorverwijzing_id=None,
        volgnummer=0,
        type=TEST_TYPE,
        data={"test": True},
        dataref=None,
        aangemaakt_op=now,
        verdeeld=True,
        bevestigd_op=now,
    )
    session.add(event)
    await session.flush()  # the delivery refers to the event
    delivery = _delivery(event, found, now)
    session.add(delivery)
    return delivery


def _delivery(event: Uitgaand, found: Abonnement, now: datetime) -> Bezorging:
    return Bezorging(
        id=uuid.uuid4(),
        uitgaand_id=event.id,
        abonnement_id=found.id,
        doorverwijzing_id=event.doorverwijzing_id,
        volgnummer=event.volgnummer,
        status="wachtend",
        pogingen=0,
        volgende_poging_op=now,
        aangemaakt_op=now,
    )


# --- mailbox ----------------------------------------------------------------------------------


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


# --- fan-out, claims and outcomes (the worker) ------------------------------------------------


async def fan_out(session: AsyncSession, *, now: datetime, batch: int = 500) -> int:
    """Turn new outbox rows into deliveries for the receiver's matching active subscriptions."""
    events = list(
        await session.scalars(
            select(Uitgaand)
            .where(Uitgaand.verdeeld.is_(False))
            .order_by(Uitgaand.aangemaakt_op)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        return 0
    receivers = {e.ontvanger_id for e in events}
    active = list(
        await session.scalars(
            select(Abonnement).where(Abonnement.organisatie_id.in_(receivers), Abonnement.actief.is_(True))
        )
    )
    created = 0
    for event in events:
        soort = event.type.removeprefix(EVENT_TYPE_PREFIX)
        for found in active:
            if found.organisatie_id == event.ontvanger_id and (not found.soorten or soort in found.soorten):
                session.add(_delivery(event, found, now))
                created += 1
        event.verdeeld = True
    return created


async def claim(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> list[Bezorging]:
    """Due deliveries, claimed for `lease`. Skips rows other workers hold, and any delivery whose
    referral has an earlier event still pending for the same subscription (order per referral).
    A claim whose worker vanished (lease passed) is due again: nothing is lost, and an attempt
    that may have gone out is repeated with the same webhook-id."""
    earlier = aliased(Bezorging)
    blocked = exists().where(
        earlier.abonnement_id == Bezorging.abonnement_id,
        earlier.doorverwijzing_id == Bezorging.doorverwijzing_id,
        earlier.volgnummer < Bezorging.volgnummer,
        earlier.status.in_(("wachtend", "bezig")),
    ) | exists().where(  # an earlier event of the referral not yet turned into deliveries
        Uitgaand.doorverwijzing_id == Bezorging.doorverwijzing_id,
        Uitgaand.volgnummer < Bezorging.volgnummer,
        Uitgaand.verdeeld.is_(False),
    )
    due = or_(
        and_(Bezorging.status == "wachtend", Bezorging.volgende_poging_op <= now),
        and_(Bezorging.status == "bezig", Bezorging.geclaimd_tot < now),
    )
    active = select(Abonnement.id).where(Abonnement.actief.is_(True))
    rows = list(
        await session.scalars(
            select(Bezorging)
            .where(due, ~blocked, Bezorging.abonnement_id.in_(active))
            .order_by(Bezorging.volgende_poging_op)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Bezorging)
        )
    )
    for delivery in rows:
        delivery.status = "bezig"
        delivery.geclaimd_tot = now + lease
    return rows


@dataclass(frozen=True)
class Outcome:
    statuscode: int | None
    duur_ms: int
    antwoord: str | None
    fout: str | None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.statuscode is not None and 200 <= self.statuscode < 300 and self.fout is None


async def record_outcome(
    session: AsyncSession,
    delivery: Bezorging,
    outcome: Outcome,
    *,
    now: datetime,
    next_delay: timedelta | None,
) -> None:
    """Book an attempt: delivered, retried later, exhausted, or the subscription disabled."""
    session.add(
        Bezorgpoging(
            bezorging_id=delivery.id,
            tijdstip=now,
            statuscode=outcome.statuscode,
            duur_ms=outcome.duur_ms,
            antwoord=(outcome.antwoord or "")[: schedule.RESPONSE_EXCERPT] or None,
            fout=outcome.fout,
        )
    )
    delivery.pogingen += 1
    delivery.geclaimd_tot = None
    found = await session.get(Abonnement, delivery.abonnement_id)
    assert found is not None
    if outcome.ok:
        delivery.status, delivery.afgeleverd_op, delivery.laatste_fout = "afgeleverd", now, None
        found.falend_sinds = None
        return
    delivery.laatste_fout = outcome.fout or f"HTTP {outcome.statuscode}"
    found.falend_sinds = found.falend_sinds or now
    if outcome.statuscode == 410:
        await disable(session, found, "the receiver answered 410 Gone")
    elif now - found.falend_sinds > schedule.DISABLE_AFTER:
        await disable(session, found, f"every delivery failed since {found.falend_sinds:%Y-%m-%d %H:%M} UTC")
    if not found.actief or next_delay is None:
        delivery.status = "mislukt"
    else:
        delivery.status, delivery.volgende_poging_op = "wachtend", now + next_delay


async def disable(session: AsyncSession, found: Abonnement, reason: str) -> None:
    """Stop sending to a subscription; what still waited for it becomes a failed, replayable delivery."""
    found.actief, found.uitgeschakeld_reden = False, reason
    await session.execute(
        update(Bezorging)
        .where(Bezorging.abonnement_id == found.id, Bezorging.status.in_(("wachtend", "bezig")))
        .values(status="mislukt", laatste_fout=reason)
    )


async def failed(
    session: AsyncSession, organisatie: Organisatie | None, *, retrying: bool = False
) -> list[tuple[Bezorging, Abonnement]]:
    """Exhausted deliveries; with `retrying` also those waiting for a retry after a failed attempt."""
    failing = and_(Bezorging.status.in_(("wachtend", "bezig")), Bezorging.laatste_fout.is_not(None))
    query = (
        select(Bezorging, Abonnement)
        .join(Abonnement, Abonnement.id == Bezorging.abonnement_id)
        .where(or_(Bezorging.status == "mislukt", failing) if retrying else Bezorging.status == "mislukt")
        .order_by(Bezorging.aangemaakt_op)
    )
    if organisatie is not None:
        query = query.where(Abonnement.organisatie_id == organisatie.id)
    return [(delivery, found) for delivery, found in (await session.execute(query)).all()]


async def replay(session: AsyncSession, delivery: Bezorging, *, now: datetime) -> None:
    """Try an exhausted delivery again from the start of the schedule (the subscription is re-enabled)."""
    if delivery.status != "mislukt":
        raise Conflict(f"only failed deliveries can be replayed; this one is {delivery.status}")
    found = await session.get(Abonnement, delivery.abonnement_id)
    assert found is not None
    found.actief, found.uitgeschakeld_reden, found.falend_sinds = True, None, None
    delivery.status, delivery.pogingen, delivery.volgende_poging_op = "wachtend", 0, now
