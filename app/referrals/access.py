"""Who may open a referral, and the processing log of every read or change of personal data."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.logs import current_request_id
from app.organisations.models import Organisatie, Rol
from app.privacy.register import REGISTER, Verwerkingsactiviteit
from app.referrals import projection
from app.referrals.models import Doorverwijzing, Verwerking

# why each side opens a referral
ACTIVITEIT: dict[Rol, Verwerkingsactiviteit] = {
    Rol.SCHULDEISER: Verwerkingsactiviteit.DOORVERWIJZEN,
    Rol.UITVOERDER: Verwerkingsactiviteit.SCHULDHULP,
}


def log_processing(
    session: AsyncSession,
    *,
    organisatie_id: uuid.UUID | None,
    doorverwijzing_id: uuid.UUID,
    actie: str,
    activiteit: Verwerkingsactiviteit,
    now: datetime | None = None,
) -> None:
    """Who (an organisation, or None for the service itself) read, changed, passed on or erased a
    referral's personal data, when, and why (the processing activity and its legal ground). The
    entry carries the request id of the work, as the log lines do."""
    session.add(
        Verwerking(
            id=uuid.uuid4(),
            tijdstip=now or datetime.now(UTC),
            organisatie_id=organisatie_id,
            doorverwijzing_id=doorverwijzing_id,
            actie=actie,
            verwerkingsactiviteit=activiteit.value,
            grondslag=REGISTER[activiteit].grondslag,
            trace_id=current_request_id(),
        )
    )


async def get_visible(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    doorverwijzing_id: uuid.UUID,
    actie: str = "lezen",
    for_update: bool = False,
) -> Doorverwijzing:
    """A referral the organisation may see (sent it, or it was routed to it); 404 otherwise. The
    read is logged as `actie`, for the activity of the organisation's side.

    With `for_update` the row is locked until the transaction ends, so changes to one referral
    happen one after the other (PostgreSQL; SQLite writes are serialised anyway).
    """
    doorverwijzing = await session.get(Doorverwijzing, doorverwijzing_id, with_for_update=for_update)
    rol = side(organisatie, doorverwijzing) if doorverwijzing is not None else None
    if doorverwijzing is None or rol is None:
        raise NotFound("no referral with this id is visible to this organisation")
    log_processing(
        session,
        organisatie_id=organisatie.id,
        doorverwijzing_id=doorverwijzing.id,
        actie=actie,
        activiteit=ACTIVITEIT[rol],
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
        session, organisatie=organisatie, doorverwijzing_id=doorverwijzing_id, actie=actie, for_update=lock
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


@dataclass(frozen=True)
class Inzage:
    """One entry of the processing log of a referral, with the name of who it was."""

    tijdstip: datetime
    organisatie_id: uuid.UUID | None
    organisatie: str  # its name, or "dienst" for the service itself
    actie: str
    verwerkingsactiviteit: str
    grondslag: str
    trace_id: str | None


async def processing_log(session: AsyncSession, doorverwijzing_id: uuid.UUID) -> list[Inzage]:
    """Who read, changed, passed on or erased this referral's personal data: oldest first."""
    rows = await session.execute(
        select(Verwerking, Organisatie.naam)
        .outerjoin(Organisatie, Organisatie.id == Verwerking.organisatie_id)
        .where(Verwerking.doorverwijzing_id == doorverwijzing_id)
        .order_by(Verwerking.tijdstip, Verwerking.id)
    )
    return [
        Inzage(
            tijdstip=entry.tijdstip,
            organisatie_id=entry.organisatie_id,
            organisatie=naam or "dienst",
            actie=entry.actie,
            verwerkingsactiviteit=entry.verwerkingsactiviteit,
            grondslag=entry.grondslag,
            trace_id=entry.trace_id,
        )
        for entry, naam in rows
    ]
