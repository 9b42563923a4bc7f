"""Who may open a referral, and the processing log of every read or change of personal data."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.organisations.models import Organisatie, Rol
from app.referrals import projection
from app.referrals.models import Doorverwijzing, Verwerking

GRONDSLAG_UITVOERING = "uitvoering warme doorverwijzing"


def log_processing(
    session: AsyncSession,
    *,
    organisatie_id: uuid.UUID,
    doorverwijzing_id: uuid.UUID,
    actie: str,
    grondslag: str,
) -> None:
    """Who read, changed or passed on a referral's personal data, when, and why."""
    session.add(
        Verwerking(
            tijdstip=datetime.now(UTC),
            organisatie_id=organisatie_id,
            doorverwijzing_id=doorverwijzing_id,
            actie=actie,
            grondslag=grondslag,
        )
    )


async def get_visible(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    doorverwijzing_id: uuid.UUID,
    actie: str = "lezen",
    grondslag: str = "inzage eigen doorverwijzing",
    for_update: bool = False,
) -> Doorverwijzing:
    """A referral the organisation may see (sent it, or it was routed to it); 404 otherwise.

    With `for_update` the row is locked until the transaction ends, so changes to one referral
    happen one after the other (PostgreSQL; SQLite writes are serialised anyway).
    """
    doorverwijzing = await session.get(Doorverwijzing, doorverwijzing_id, with_for_update=for_update)
    if doorverwijzing is None or side(organisatie, doorverwijzing) is None:
        raise NotFound("no referral with this id is visible to this organisation")
    log_processing(
        session,
        organisatie_id=organisatie.id,
        doorverwijzing_id=doorverwijzing.id,
        actie=actie,
        grondslag=grondslag,
    )
    return doorverwijzing


async def for_party(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    doorverwijzing_id: uuid.UUID,
    rol: Rol,
    actie: str,
    lock: bool = True,
) -> Doorverwijzing:
    """The referral if `organisatie` is on the `rol` side of it (its uitvoerder or its creditor);
    404 for everyone else. Locked until the transaction ends unless `lock` is off."""
    doorverwijzing = await get_visible(
        session,
        organisatie=organisatie,
        doorverwijzing_id=doorverwijzing_id,
        actie=actie,
        grondslag=GRONDSLAG_UITVOERING,
        for_update=lock,
    )
    if side(organisatie, doorverwijzing) is not rol:
        raise NotFound("no referral with this id is visible to this organisation for this")
    return doorverwijzing


def side(organisatie: Organisatie, doorverwijzing: Doorverwijzing) -> Rol | None:
    return projection.party(
        organisatie.id,
        schuldeiser_id=doorverwijzing.schuldeiser_id,
        uitvoerder_id=doorverwijzing.uitvoerder_id,
    )
