"""Extending the collection hold: the uitvoerder asks, the creditor agrees or refuses."""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, ExtensionPending, InvalidMessage, NotFound
from app.messages.specs import MessageKind
from app.messages.types import Verlengingsantwoord, Verlengingsverzoek
from app.messages.validation import violation_at
from app.outbox import EventType
from app.referrals import history
from app.referrals.changes import ensure_open
from app.referrals.incoming import Incoming
from app.referrals.models import Doorverwijzing, VerzoekStatus
from app.referrals.models import Verlengingsverzoek as Verzoek


async def extension(
    session: AsyncSession, doorverwijzing: Doorverwijzing, verzoek_id: uuid.UUID | None
) -> Verzoek:
    request = await session.get(Verzoek, verzoek_id) if verzoek_id else None
    if request is None or request.doorverwijzing_id != doorverwijzing.id:
        raise NotFound("no extension request with this id for this referral")
    return request


def _check_after_hold(
    doorverwijzing: Doorverwijzing, day: date, *, kind: MessageKind, pointer: str, is_xml: bool
) -> None:
    """A new end of the collection hold must lie after the current one."""
    if day <= doorverwijzing.incassostop_tot:
        detail = f"must be after the current incassostopTot {doorverwijzing.incassostop_tot}"
        raise InvalidMessage(
            violations=[violation_at(kind, pointer, detail, "na-incassostop", is_xml=is_xml)]
        )


async def request_extension(incoming: Incoming[Verlengingsverzoek]) -> uuid.UUID:
    """A Verlengingsverzoek: the uitvoerder asks for a later end of the collection hold."""
    session, doorverwijzing, message = incoming.session, incoming.doorverwijzing, incoming.message
    ensure_open(doorverwijzing)
    gevraagd_tot = date.fromisoformat(message["gevraagdTot"])
    _check_after_hold(
        doorverwijzing,
        gevraagd_tot,
        kind=MessageKind.VERLENGINGSVERZOEK,
        pointer="/gevraagdTot",
        is_xml=incoming.is_xml,
    )
    if await session.scalar(
        select(Verzoek.id).where(
            Verzoek.doorverwijzing_id == doorverwijzing.id, Verzoek.status == VerzoekStatus.OPEN
        )
    ):
        raise ExtensionPending("wait for the creditor's answer to the earlier request")
    request = Verzoek(
        id=uuid.uuid4(),
        doorverwijzing_id=doorverwijzing.id,
        gevraagd_tot=gevraagd_tot,
        motivering=message.get("motivering"),
        gevraagd_op=incoming.now,
        status=VerzoekStatus.OPEN,
    )
    session.add(request)
    history.record(
        session,
        doorverwijzing,
        soort=EventType.VERLENGING_GEVRAAGD,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens={"verzoekId": str(request.id), "gevraagdTot": message["gevraagdTot"]}
        | ({"motivering": request.motivering} if request.motivering else {}),
    )
    return request.id


async def answer_extension(incoming: Incoming[Verlengingsantwoord]) -> uuid.UUID:
    """A Verlengingsantwoord: the creditor agrees (the hold moves) or refuses."""
    session, doorverwijzing, message = incoming.session, incoming.doorverwijzing, incoming.message
    ensure_open(doorverwijzing)
    request = await extension(session, doorverwijzing, incoming.target_id)
    if request.status != VerzoekStatus.OPEN:
        raise Conflict(f"this extension request was already answered ({request.status})")
    details: dict[str, object] = {"verzoekId": str(request.id), "akkoord": message["akkoord"]}
    if message["akkoord"]:
        einde = date.fromisoformat(message.get("nieuweEinddatum") or request.gevraagd_tot.isoformat())
        _check_after_hold(
            doorverwijzing,
            einde,
            kind=MessageKind.VERLENGINGSANTWOORD,
            pointer="/nieuweEinddatum",
            is_xml=incoming.is_xml,
        )
        doorverwijzing.incassostop_tot = einde
        doorverwijzing.incassostop_herinnerd_op = doorverwijzing.incassostop_verlopen_op = None
        request.nieuwe_einddatum = einde
        details["nieuweEinddatum"] = einde.isoformat()
    request.status = VerzoekStatus.AKKOORD if message["akkoord"] else VerzoekStatus.AFGEWEZEN
    request.beantwoord_op = incoming.now
    if "toelichting" in message:
        details["toelichting"] = message["toelichting"]
    history.record(
        session,
        doorverwijzing,
        soort=EventType.VERLENGING_BEANTWOORD,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens=details,
    )
    return request.id
