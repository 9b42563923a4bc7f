"""Who may see a referral, and the processing log of every read or change of personal data."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.organisations.models import Organisatie
from app.referrals.models import Doorverwijzing, Verwerking


def log_processing(
    session: AsyncSession,
    *,
    organisatie_id: uuid.UUID,
    referral_id: uuid.UUID,
    actie: str,
    grondslag: str,
) -> None:
    """Who read, changed or passed on a referral's personal data, when, and why."""
    session.add(
        Verwerking(
            tijdstip=datetime.now(UTC),
            organisatie_id=organisatie_id,
            doorverwijzing_id=referral_id,
            actie=actie,
            grondslag=grondslag,
        )
    )


async def get_visible(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    referral_id: uuid.UUID,
    actie: str = "lezen",
    grondslag: str = "inzage eigen doorverwijzing",
    for_update: bool = False,
) -> Doorverwijzing:
    """A referral the organisation may see (sent it, or it was routed to it); 404 otherwise.

    With `for_update` the row is locked until the transaction ends, so changes to one referral
    happen one after the other (PostgreSQL; SQLite writes are serialised anyway).
    """
    referral = await session.get(Doorverwijzing, referral_id, with_for_update=for_update)
    if referral is None or organisatie.id not in (referral.schuldeiser_id, referral.uitvoerder_id):
        raise NotFound("no referral with this id is visible to this organisation")
    log_processing(
        session,
        organisatie_id=organisatie.id,
        referral_id=referral.id,
        actie=actie,
        grondslag=grondslag,
    )
    return referral
