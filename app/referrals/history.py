"""Recording a change: one history entry plus the outgoing events, in the caller's transaction."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import outbox
from app.outbox import EventType
from app.referrals import projection
from app.referrals.models import Doorverwijzing, Gebeurtenis


def record(
    session: AsyncSession,
    doorverwijzing: Doorverwijzing,
    *,
    soort: EventType,
    now: datetime,
    actor_id: uuid.UUID | None,
    status_van: str | None = None,
    gegevens: dict[str, Any] | None = None,
) -> Gebeurtenis:
    """Append to the referral's history and queue the thin events for whoever should hear of it
    (`projection.recipients`)."""
    doorverwijzing.laatste_volgnummer += 1
    entry = Gebeurtenis(
        id=uuid.uuid4(),
        doorverwijzing_id=doorverwijzing.id,
        volgnummer=doorverwijzing.laatste_volgnummer,
        tijdstip=now,
        soort=soort.value,
        actor_id=actor_id,
        status_van=status_van,
        status_naar=doorverwijzing.status if status_van is not None else None,
        gegevens=gegevens or {},
    )
    session.add(entry)
    for recipient in projection.recipients(
        soort,
        doorverwijzing_id=doorverwijzing.id,
        status=doorverwijzing.status,
        gemeentecode=doorverwijzing.gemeentecode,
        referred_gemeentecode=doorverwijzing.verwezen_gemeentecode,
        schuldeiser_id=doorverwijzing.schuldeiser_id,
        uitvoerder_id=doorverwijzing.uitvoerder_id,
        actor_id=actor_id,
    ):
        outbox.enqueue(
            session,
            ontvanger_id=recipient.organisatie_id,
            soort=soort,
            now=now,
            doorverwijzing_id=doorverwijzing.id,
            volgnummer=entry.volgnummer,
            status=recipient.status,
            gemeentecode=recipient.gemeentecode,
            dataref=recipient.dataref,
        )
    return entry
