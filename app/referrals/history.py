"""Recording a change: one history entry plus the outgoing events, in the caller's transaction."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.delivery.models import Uitgaand
from app.referrals import projection
from app.referrals.models import Doorverwijzing, Gebeurtenis
from app.referrals.projection import Soort

EVENT_TYPE_PREFIX = "nl.schuldhulp.warme-doorverwijzing."


def event_type(soort: Soort) -> str:
    return EVENT_TYPE_PREFIX + soort.value


def record(
    session: AsyncSession,
    referral: Doorverwijzing,
    *,
    soort: Soort,
    now: datetime,
    actor_id: uuid.UUID | None,
    status_van: str | None = None,
    gegevens: dict[str, Any] | None = None,
) -> Gebeurtenis:
    """Append to the referral's history and queue the thin events for whoever should hear of it.

    The creditor hears of creditor-visible kinds (with the partner-visible status), the uitvoerder of
    the kinds its system acts on; nobody is sent news of what it did itself.
    """
    referral.laatste_volgnummer += 1
    entry = Gebeurtenis(
        id=uuid.uuid4(),
        doorverwijzing_id=referral.id,
        volgnummer=referral.laatste_volgnummer,
        tijdstip=now,
        soort=soort.value,
        actor_id=actor_id,
        status_van=status_van,
        status_naar=referral.status if status_van is not None else None,
        gegevens=gegevens or {},
    )
    session.add(entry)
    path = f"/v1/doorverwijzingen/{referral.id}"
    recipients: list[tuple[uuid.UUID, str, str]] = []
    if soort in projection.CREDITOR_EVENTS:
        status = projection.partner_status(referral.status)
        recipients.append((referral.schuldeiser_id, status, f"{path}/terugmelding"))
    if soort in projection.UITVOERDER_EVENTS:
        recipients.append((referral.uitvoerder_id, referral.status, path))
    for ontvanger_id, status, dataref in recipients:
        if ontvanger_id == actor_id:
            continue
        session.add(
            Uitgaand(
                id=uuid.uuid4(),
                ontvanger_id=ontvanger_id,
                doorverwijzing_id=referral.id,
                volgnummer=entry.volgnummer,
                type=event_type(soort),
                data={
                    "doorverwijzingId": str(referral.id),
                    "status": status,
                    "gemeentecode": referral.gemeentecode,
                    "volgnummer": entry.volgnummer,
                },
                dataref=dataref,
                aangemaakt_op=now,
                verdeeld=False,
            )
        )
    return entry
