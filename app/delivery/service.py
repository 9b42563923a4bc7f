"""The delivery bookkeeping of the worker: fan-out of new outbox events into deliveries, claims,
the outcome of each attempt, disabling a failing subscription, failed deliveries and their replay.

Sending happens outside any transaction (the channels); everything here runs inside one.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.delivery import schedule, states
from app.delivery.channels import Outcome
from app.delivery.models import Abonnement, Bezorging, Bezorgpoging
from app.delivery.states import BezorgStatus
from app.errors import Conflict
from app.organisations.models import Organisatie
from app.outbox import Uitgaand


def new_delivery(event: Uitgaand, found: Abonnement, now: datetime) -> Bezorging:
    return Bezorging(
        id=uuid.uuid4(),
        uitgaand_id=event.id,
        abonnement_id=found.id,
        doorverwijzing_id=event.doorverwijzing_id,
        volgnummer=event.volgnummer,
        status=BezorgStatus.WACHTEND,
        pogingen=0,
        volgende_poging_op=now,
        aangemaakt_op=now,
    )


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
        kind = event.kind.value
        for found in active:
            if found.organisatie_id == event.ontvanger_id and (
                not found.event_types or kind in found.event_types
            ):
                session.add(new_delivery(event, found, now))
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
        earlier.status.in_(states.PENDING),
    ) | exists().where(  # an earlier event of the referral not yet turned into deliveries
        Uitgaand.doorverwijzing_id == Bezorging.doorverwijzing_id,
        Uitgaand.volgnummer < Bezorging.volgnummer,
        Uitgaand.verdeeld.is_(False),
    )
    due = or_(
        and_(Bezorging.status == BezorgStatus.WACHTEND, Bezorging.volgende_poging_op <= now),
        and_(Bezorging.status == BezorgStatus.BEZIG, Bezorging.geclaimd_tot < now),
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
        delivery.status = states.check(delivery.status, BezorgStatus.BEZIG)
        delivery.geclaimd_tot = now + lease
    return rows


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
        delivery.status = states.check(delivery.status, BezorgStatus.AFGELEVERD)
        delivery.afgeleverd_op, delivery.laatste_fout = now, None
        found.falend_sinds = None
        return
    delivery.laatste_fout = outcome.fout or f"HTTP {outcome.statuscode}"
    found.falend_sinds = found.falend_sinds or now
    if outcome.statuscode == 410:
        await disable(session, found, "the receiver answered 410 Gone")
    elif now - found.falend_sinds > schedule.DISABLE_AFTER:
        await disable(session, found, f"every delivery failed since {found.falend_sinds:%Y-%m-%d %H:%M} UTC")
    if not found.actief or next_delay is None:
        if delivery.status != BezorgStatus.MISLUKT:  # disabling the subscription failed it already
            delivery.status = states.check(delivery.status, BezorgStatus.MISLUKT)
    else:
        delivery.status = states.check(delivery.status, BezorgStatus.WACHTEND)
        delivery.volgende_poging_op = now + next_delay


async def disable(session: AsyncSession, found: Abonnement, reason: str) -> None:
    """Stop sending to a subscription; what still waited for it becomes a failed, replayable delivery."""
    found.actief, found.uitgeschakeld_reden = False, reason
    await session.execute(
        update(Bezorging)
        .where(
            Bezorging.abonnement_id == found.id,
            Bezorging.status.in_(states.sources_of(BezorgStatus.MISLUKT)),
        )
        .values(status=BezorgStatus.MISLUKT, laatste_fout=reason)
    )


async def failed(
    session: AsyncSession, organisatie: Organisatie | None, *, retrying: bool = False
) -> list[tuple[Bezorging, Abonnement]]:
    """Exhausted deliveries; with `retrying` also those waiting for a retry after a failed attempt."""
    exhausted = Bezorging.status == BezorgStatus.MISLUKT
    failing = and_(Bezorging.status.in_(states.PENDING), Bezorging.laatste_fout.is_not(None))
    query = (
        select(Bezorging, Abonnement)
        .join(Abonnement, Abonnement.id == Bezorging.abonnement_id)
        .where(or_(exhausted, failing) if retrying else exhausted)
        .order_by(Bezorging.aangemaakt_op)
    )
    if organisatie is not None:
        query = query.where(Abonnement.organisatie_id == organisatie.id)
    return [(delivery, found) for delivery, found in (await session.execute(query)).all()]


async def replay(session: AsyncSession, delivery: Bezorging, *, now: datetime) -> None:
    """Try an exhausted delivery again from the start of the schedule (the subscription is re-enabled)."""
    if delivery.status != BezorgStatus.MISLUKT:
        raise Conflict(f"only failed deliveries can be replayed; this one is {delivery.status}")
    found = await session.get(Abonnement, delivery.abonnement_id)
    assert found is not None
    found.actief, found.uitgeschakeld_reden, found.falend_sinds = True, None, None
    delivery.status = states.check(delivery.status, BezorgStatus.WACHTEND)
    delivery.pogingen, delivery.volgende_poging_op = 0, now
