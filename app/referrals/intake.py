"""Intake of a warm doorverwijzing: idempotency, routing, clocks, storage. Never commits."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock_warnings, clocks, metrics
from app.errors import (
    DuplicateBerichtId,
    DuplicateReferral,
    Forbidden,
    GemeenteNotParticipating,
    NotRoutable,
    ProblemError,
)
from app.messages import types
from app.messages.jsonform import content_hash, plain
from app.messages.types import Adres
from app.organisations.models import Organisatie
from app.organisations.service import uitvoerder_for
from app.outbox import EventType
from app.privacy.anonymous import bedrag_klasse
from app.privacy.register import Verwerkingsactiviteit
from app.referrals import history
from app.referrals.access import log_processing
from app.referrals.lifecycle import Status
from app.referrals.models import Afwijzing, Doorverwijzing
from app.routing.postcode import normalise
from app.routing.service import Routering, RoutingCache
from app.schemas import RouteringUitleg


@dataclass(frozen=True)
class Accepted:
    doorverwijzing: Doorverwijzing
    replayed: bool


@dataclass(frozen=True)
class Rejected:
    """A business refusal that is still recorded (anonymously), so it must not roll back."""

    error: ProblemError


def _check_sender(schuldeiser: Organisatie, message: types.Doorverwijzing) -> None:
    sender = message["schuldeiser"]
    if not (
        (sender.get("oin") and sender["oin"] == schuldeiser.oin)
        or (sender.get("kvkNummer") and sender["kvkNummer"] == schuldeiser.kvk_nummer)
    ):
        raise Forbidden(
            "the schuldeiser in the message (oin or kvkNummer) is not the organisation of this API key"
        )


async def _existing(
    session: AsyncSession, schuldeiser: Organisatie, bericht_id: uuid.UUID, digest: str
) -> Accepted | None:
    earlier = await session.scalar(
        select(Doorverwijzing).where(
            Doorverwijzing.schuldeiser_id == schuldeiser.id, Doorverwijzing.bericht_id == bericht_id
        )
    )
    if earlier is None:
        return None
    if earlier.inhoud_hash != digest:
        raise DuplicateBerichtId(
            "send a new berichtId for a new or changed message",
            extra={"doorverwijzingId": str(earlier.id)},
        )
    return Accepted(earlier, replayed=True)


async def _check_open_dossier(
    session: AsyncSession, schuldeiser: Organisatie, referentie: str, bericht_id: uuid.UUID, digest: str
) -> Accepted | None:
    """409 when the dossier already has an open doorverwijzing, unless that is this very message
    (stored by a concurrent request since we looked): then its original answer."""
    found = (
        await session.execute(
            select(Doorverwijzing.id, Doorverwijzing.bericht_id).where(
                Doorverwijzing.schuldeiser_id == schuldeiser.id,
                Doorverwijzing.referentie == referentie,
                Doorverwijzing.is_open.is_(True),
            )
        )
    ).first()
    if found is None:
        return None
    if found.bericht_id == bericht_id:
        return await _existing(session, schuldeiser, bericht_id, digest)
    raise DuplicateReferral(
        "this referentie already has an open doorverwijzing", extra={"doorverwijzingId": str(found.id)}
    )


async def _reject(
    session: AsyncSession,
    *,
    schuldeiser: Organisatie,
    bericht_id: uuid.UUID,
    day: date,
    gemeentecode: str | None,
    error: ProblemError,
) -> Rejected:
    already = await session.scalar(
        select(Afwijzing.id).where(
            Afwijzing.schuldeiser_id == schuldeiser.id, Afwijzing.bericht_id == bericht_id
        )
    )
    if already is None:
        try:
            async with session.begin_nested():
                session.add(
                    Afwijzing(
                        schuldeiser_id=schuldeiser.id,
                        bericht_id=bericht_id,
                        dag=day,
                        gemeentecode=gemeentecode,
                        reden=error.slug,
                    )
                )
        except IntegrityError:
            pass  # the same message, refused concurrently: counted once
    return Rejected(error)


def _ontvangstbevestiging(
    doorverwijzing: Doorverwijzing, *, routering: Routering, uitvoerder: Organisatie, now: datetime
) -> dict[str, Any]:
    return {
        "berichtId": str(uuid.uuid4()),
        "verzondenOp": clocks.utc_text(now),
        "inReactieOp": str(doorverwijzing.bericht_id),
        "doorverwijzingId": str(doorverwijzing.id),
        "status": doorverwijzing.status,
        "gemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam},
        "uitvoerder": {"id": str(uitvoerder.id), "naam": uitvoerder.naam},
        "incassostopTot": doorverwijzing.incassostop_tot.isoformat(),
        "contactUiterlijk": doorverwijzing.contact_uiterlijk.isoformat(),
        "routering": RouteringUitleg.of(routering).model_dump(mode="json", by_alias=True, exclude_none=True),
    }


async def _earlier(
    session: AsyncSession, schuldeiser: Organisatie, *, bericht_id: uuid.UUID, digest: str, referentie: str
) -> Accepted | None:
    """The original answer when this message was stored before; 409 when its berichtId was used for
    other content or the dossier already has another open referral."""
    if (earlier := await _existing(session, schuldeiser, bericht_id, digest)) is not None:
        return earlier
    return await _check_open_dossier(session, schuldeiser, referentie, bericht_id, digest)


async def _route(
    session: AsyncSession, routing: RoutingCache, adres: Adres, *, on: date
) -> tuple[Routering, Organisatie] | ProblemError:
    """The gemeente and uitvoerder of an address, or why there is none."""
    snapshot = await routing.snapshot(session)
    routering = snapshot.route(normalise(adres["postcode"]), adres["huisnummer"], on=on) if snapshot else None
    if routering is None:
        return NotRoutable("no gemeente is known for this postcode and house number")
    uitvoerder = await uitvoerder_for(session, gemeentecode=routering.gemeentecode, on=on)
    if uitvoerder is None:
        return GemeenteNotParticipating(
            f"{routering.gemeentenaam} has no participating debt-help organisation",
            extra={"gemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam}},
        )
    return routering, uitvoerder


async def receive(
    session: AsyncSession,
    *,
    schuldeiser: Organisatie,
    message: types.Doorverwijzing,
    routing: RoutingCache,
    now: datetime | None = None,
    conversatie_id: uuid.UUID | None = None,
) -> Accepted | Rejected:
    """Take a validated Doorverwijzing (JSON form) from an authenticated creditor."""
    now = now or datetime.now(UTC)
    _check_sender(schuldeiser, message)
    bericht_id = uuid.UUID(message["berichtId"])
    digest = content_hash(message)
    referentie = message["referentie"]
    if earlier := await _earlier(
        session, schuldeiser, bericht_id=bericht_id, digest=digest, referentie=referentie
    ):
        return earlier
    ontvangen = clocks.ontvangstdag(now)
    routed = await _route(session, routing, message["inwoner"]["adres"], on=ontvangen)
    if isinstance(routed, ProblemError):
        gemeentecode = routed.extra.get("gemeente", {}).get("code")
        return await _reject(
            session,
            schuldeiser=schuldeiser,
            bericht_id=bericht_id,
            day=ontvangen,
            gemeentecode=gemeentecode,
            error=routed,
        )
    routering, uitvoerder = routed
    doorverwijzing = Doorverwijzing(
        id=uuid.uuid4(),
        schuldeiser_id=schuldeiser.id,
        bericht_id=bericht_id,
        inhoud_hash=digest,
        referentie=message["referentie"],
        status=Status.ONTVANGEN.value,
        is_open=True,
        gemeentecode=routering.gemeentecode,
        uitvoerder_id=uitvoerder.id,
        ontvangen_op=now,
        status_sinds=now,
        klokken_vanaf=now,
        laatste_volgnummer=0,
        incassostop_tot=clocks.incassostop_tot(ontvangen),
        contact_uiterlijk=clock_warnings.contact_uiterlijk(ontvangen),
        crisissignaal=message["crisissignaal"],
        soort_vaste_last=message["achterstand"]["soortVasteLast"],
        bedrag_klasse=bedrag_klasse(message["achterstand"]["bedrag"]),
        routering=routering.as_record(),
        bericht=plain(message),
        ontvangstbevestiging={},
        conversatie_id=conversatie_id,
    )
    doorverwijzing.ontvangstbevestiging = _ontvangstbevestiging(
        doorverwijzing, routering=routering, uitvoerder=uitvoerder, now=now
    )
    try:
        async with session.begin_nested():
            session.add(doorverwijzing)
    except IntegrityError:
        # a concurrent request stored the same berichtId or referentie first
        if earlier := await _earlier(
            session, schuldeiser, bericht_id=bericht_id, digest=digest, referentie=referentie
        ):
            return earlier
        raise
    history.record(session, doorverwijzing, soort=EventType.ONTVANGEN, now=now, actor_id=schuldeiser.id)
    log_processing(
        session,
        organisatie_id=schuldeiser.id,
        doorverwijzing_id=doorverwijzing.id,
        actie="ontvangen",
        activiteit=Verwerkingsactiviteit.DOORVERWIJZEN,
        now=now,
    )
    metrics.referral_received(schuldeiser.kanaal)
    return Accepted(doorverwijzing, replayed=False)
