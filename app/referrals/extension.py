"""Extending the collection hold: the uitvoerder asks, the creditor agrees or refuses."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, ExtensionPending, InvalidMessage, NotFound
from app.messages.specs import MessageKind
from app.messages.validation import violation_at
from app.organisations.models import Organisatie
from app.referrals import history
from app.referrals.changes import ensure_open
from app.referrals.models import Doorverwijzing, Verlengingsverzoek
from app.referrals.projection import Soort


async def extension(
    session: AsyncSession, referral: Doorverwijzing, verzoek_id: uuid.UUID | None
) -> Verlengingsverzoek:
    request = await session.get(Verlengingsverzoek, verzoek_id) if verzoek_id else None
    if request is None or request.doorverwijzing_id != referral.id:
        raise NotFound("no extension request with this id for this referral")
    return request


def _check_after_hold(
    referral: Doorverwijzing, day: date, *, kind: MessageKind, pointer: str, is_xml: bool
) -> None:
    """A new end of the collection hold must lie after the current one."""
    if day <= referral.incassostop_tot:
        detail = f"must be after the current incassostopTot {referral.incassostop_tot}"
        raise InvalidMessage(
            violations=[violation_at(kind, pointer, detail, "na-incassostop", is_xml=is_xml)]
        )


async def request_extension(
    session: AsyncSession,
    *,
    uitvoerder: Organisatie,
    referral: Doorverwijzing,
    message: dict[str, Any],
    is_xml: bool,
    now: datetime | None = None,
) -> Verlengingsverzoek:
    """A Verlengingsverzoek: the uitvoerder asks for a later end of the collection hold."""
    now = now or datetime.now(UTC)
    ensure_open(referral)
    gevraagd_tot = date.fromisoformat(message["gevraagdTot"])
    _check_after_hold(
        referral, gevraagd_tot, kind=MessageKind.VERLENGINGSVERZOEK, pointer="/gevraagdTot", is_xml=is_xml
    )
    if await session.scalar(
        select(Verlengingsverzoek.id).where(
            Verlengingsverzoek.doorverwijzing_id == referral.id, Verlengingsverzoek.status == "open"
        )
    ):
        raise ExtensionPending("wait for the creditor's answer to the earlier request")
    request = Verlengingsverzoek(
        id=uuid.uuid4(),
        doorverwijzing_id=referral.id,
        gevraagd_tot=gevraagd_tot,
        motivering=message.get("motivering"),
        gevraagd_op=now,
        status="open",
    )
    session.add(request)
    history.record(
        session,
        referral,
        soort=Soort.VERLENGING_GEVRAAGD,
        now=now,
        actor_id=uitvoerder.id,
        gegevens={"verzoekId": str(request.id), "gevraagdTot": message["gevraagdTot"]}
        | ({"motivering": request.motivering} if request.motivering else {}),
    )
    return request


async def answer_extension(
    session: AsyncSession,
    *,
    schuldeiser: Organisatie,
    referral: Doorverwijzing,
    verzoek_id: uuid.UUID,
    message: dict[str, Any],
    is_xml: bool,
    now: datetime | None = None,
) -> Verlengingsverzoek:
    """A Verlengingsantwoord: the creditor agrees (the hold moves) or refuses."""
    now = now or datetime.now(UTC)
    ensure_open(referral)
    request = await extension(session, referral, verzoek_id)
    if request.status != "open":
        raise Conflict(f"this extension request was already answered ({request.status})")
    details: dict[str, Any] = {"verzoekId": str(request.id), "akkoord": message["akkoord"]}
    if message["akkoord"]:
        einde = date.fromisoformat(message.get("nieuweEinddatum") or request.gevraagd_tot.isoformat())
        _check_after_hold(
            referral, einde, kind=MessageKind.VERLENGINGSANTWOORD, pointer="/nieuweEinddatum", is_xml=is_xml
        )
        referral.incassostop_tot = einde
        referral.incassostop_herinnerd_op = referral.incassostop_verlopen_op = None
        request.nieuwe_einddatum = einde
        details["nieuweEinddatum"] = einde.isoformat()
    request.status = "akkoord" if message["akkoord"] else "afgewezen"
    request.beantwoord_op = now
    if "toelichting" in message:
        details["toelichting"] = message["toelichting"]
    history.record(
        session,
        referral,
        soort=Soort.VERLENGING_BEANTWOORD,
        now=now,
        actor_id=schuldeiser.id,
        gegevens=details,
    )
    return request
