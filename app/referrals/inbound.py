"""The one inbound contract: every message that changes a stored referral, whichever way it came
(the API, the Schuldenknooppunt, the Vroegsignalering callback, the web pages), is applied here.

`apply` checks that the sender is on the side of the referral that may send this kind of message
(404 otherwise), answers a repeated berichtId once (409 when it was used for other content), and
dispatches through one table of handlers.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DuplicateBerichtId, NotFound
from app.messages.jsonform import content_hash
from app.messages.specs import MessageKind
from app.messages.validation import Message
from app.organisations.models import Organisatie, Rol
from app.referrals import access, changes, collection, extension
from app.referrals.incoming import Incoming
from app.referrals.models import Doorverwijzing, OntvangenBericht
from app.routing.service import RoutingCache


@dataclass(frozen=True)
class Handler:
    rol: Rol  # the side of the referral that may send this kind of message
    actie: str  # what the processing log records when the referral is opened for it
    # applies a first-seen message; returns the id of the resource it created or addressed
    apply: Callable[[Incoming[Any]], Awaitable[uuid.UUID | None]]


HANDLERS: dict[MessageKind, Handler] = {
    MessageKind.STATUSMELDING: Handler(Rol.UITVOERDER, "status melden", changes.report_status),
    MessageKind.INTREKKING: Handler(Rol.SCHULDEISER, "intrekken", changes.withdraw),
    MessageKind.BETALINGSHERSTEL: Handler(
        Rol.SCHULDEISER, "betalingsherstel melden", collection.report_payment_recovery
    ),
    MessageKind.INGRIJPENDE_MAATREGEL: Handler(
        Rol.SCHULDEISER, "ingrijpende maatregel melden", collection.report_measure
    ),
    MessageKind.VERLENGINGSVERZOEK: Handler(Rol.UITVOERDER, "verlenging vragen", extension.request_extension),
    MessageKind.VERLENGINGSANTWOORD: Handler(
        Rol.SCHULDEISER, "verlenging beantwoorden", extension.answer_extension
    ),
}


@dataclass(frozen=True)
class Applied:
    doorverwijzing: Doorverwijzing
    repeat: bool  # the berichtId was handled before: nothing changed now
    result_id: uuid.UUID | None  # what the message created or addressed (an extension request)


async def apply(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    doorverwijzing: Doorverwijzing | uuid.UUID,
    kind: MessageKind,
    message: Message,
    routing: RoutingCache,
    target_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Applied:
    """Apply a validated message from `organisatie` to a referral, given by id (opened, locked and
    logged here) or already opened and locked by the caller."""
    handler = HANDLERS[kind]
    if isinstance(doorverwijzing, uuid.UUID):
        doorverwijzing = await access.for_party(
            session,
            organisatie=organisatie,
            doorverwijzing_id=doorverwijzing,
            rol=handler.rol,
            actie=handler.actie,
        )
    elif access.side(organisatie, doorverwijzing) is not handler.rol:
        raise NotFound("no referral with this id is visible to this organisation for this")
    receipt, repeat = await _receive_once(
        session, organisatie=organisatie, doorverwijzing=doorverwijzing, kind=kind, message=message.data
    )
    if repeat:
        if target_id is not None and receipt.resultaat_id != target_id:
            raise DuplicateBerichtId("this berichtId was already used for another request of this referral")
        return Applied(doorverwijzing, repeat=True, result_id=receipt.resultaat_id)
    incoming = Incoming(
        session=session,
        organisatie=organisatie,
        doorverwijzing=doorverwijzing,
        message=message.data,
        is_xml=message.is_xml,
        now=now or datetime.now(UTC),
        routing=routing,
        target_id=target_id,
    )
    receipt.resultaat_id = await handler.apply(incoming)
    return Applied(doorverwijzing, repeat=False, result_id=receipt.resultaat_id)


async def _receive_once(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    doorverwijzing: Doorverwijzing,
    kind: MessageKind,
    message: dict[str, Any],
) -> tuple[OntvangenBericht, bool]:
    """The receipt of this message and whether it is a repeat of one handled before.

    A berichtId used before for other content (or another referral) is a 409.
    """
    bericht_id = uuid.UUID(message["berichtId"])
    digest = content_hash(message)
    earlier = await session.get(OntvangenBericht, (organisatie.id, bericht_id))
    if earlier is not None:
        if (earlier.inhoud_hash, earlier.doorverwijzing_id, earlier.soort) != (
            digest,
            doorverwijzing.id,
            kind.value,
        ):
            raise DuplicateBerichtId("send a new berichtId for a new or changed message")
        return earlier, True
    receipt = OntvangenBericht(
        organisatie_id=organisatie.id,
        bericht_id=bericht_id,
        soort=kind.value,
        inhoud_hash=digest,
        doorverwijzing_id=doorverwijzing.id,
        ontvangen_op=datetime.now(UTC),
    )
    session.add(receipt)
    return receipt, False
