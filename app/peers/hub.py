"""Referrals arriving through the Schuldenknooppunt: fetch, take in through the very same intake,
confirm only what is stored, and queue the answer (Ontvangstbevestiging or Foutbericht) for the
creditor in the same transaction. A crash between storing and confirming makes the hub offer the
message again; the intake recognises its berichtId and nothing is stored or answered twice."""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import logs, metrics, outbox
from app.config import Settings
from app.errors import NotFound, ProblemError
from app.messages import types
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.organisations.models import Kanaal, Organisatie, Rol
from app.outbox import AnswerType, Uitgaand
from app.peers.clients import Opgehaald, Schuldenknooppunt
from app.peers.soap import KIND_OF, Berichtkop
from app.referrals import inbound, intake, projection
from app.referrals.models import Doorverwijzing
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv.peers")
ANTWOORD_NAMESPACE = uuid.UUID("9d2f6a10-7c4e-4b83-a1d5-3e8f0c2b6a47")
# the creditor's messages about one of its referrals, sent in that referral's conversation
FOLLOW_UPS = frozenset(
    {MessageKind.INTREKKING, MessageKind.BETALINGSHERSTEL, MessageKind.INGRIJPENDE_MAATREGEL}
)


async def poll(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    hub: Schuldenknooppunt,
    routing: RoutingCache,
) -> int:
    """One round: returns how many fetched messages were taken in and confirmed."""
    taken: list[uuid.UUID] = []
    for fetched in await hub.haal_op():
        logs.bind_request_id(logs.new_request_id())  # the answer and later events are traced to it
        try:
            async with sessionmaker() as session, session.begin():
                if await take_in(session, fetched, routing=routing, max_depth=settings.max_message_depth):
                    taken.append(fetched.kop.bericht_id)
        except Exception:
            # left unconfirmed, so offered again; one message must not hold up the others
            logger.exception("hub message %s could not be taken in", fetched.kop.bericht_id)
    if taken:
        await hub.bevestig(taken)
    return len(taken)


async def take_in(
    session: AsyncSession, fetched: Opgehaald, *, routing: RoutingCache, max_depth: int = 32
) -> bool:
    """Store one fetched message and queue its answer; False leaves it unconfirmed at the hub."""
    kop = fetched.kop
    schuldeiser = await session.scalar(
        select(Organisatie).where(
            Organisatie.kanaal_adres == kop.afzender,
            Organisatie.kanaal == Kanaal.SCHULDENKNOOPPUNT.value,
            Organisatie.rol == Rol.SCHULDEISER.value,
        )
    )
    if schuldeiser is None:
        logger.warning(
            "hub message %s from unknown participant %s left unconfirmed", kop.bericht_id, kop.afzender
        )
        return False
    answer = Answer(schuldeiser, kop, datetime.now(UTC))
    if await session.get(Uitgaand, answer.event_id) is not None:
        return True  # taken in before; only the confirmation was lost
    try:
        kind = KIND_OF.get(kop.berichtsoort)
        if kind is MessageKind.DOORVERWIJZING:
            await _doorverwijzing(session, answer, fetched, routing=routing, max_depth=max_depth)
        elif kind in FOLLOW_UPS:
            await _follow_up(session, answer, fetched, kind, routing=routing, max_depth=max_depth)
        else:
            raise ProblemError(f"berichtsoort {kop.berichtsoort} is not taken in from the hub", status=422)
    except ProblemError as refused:
        answer.problem(session, refused)
    return True


@dataclass(frozen=True)
class Answer:
    """The answer to one hub message: an event for the creditor in the message's conversation,
    whose id derives from the message, so a message taken in twice is answered once."""

    schuldeiser: Organisatie
    kop: Berichtkop
    now: datetime

    @property
    def event_id(self) -> uuid.UUID:
        return uuid.uuid5(ANTWOORD_NAMESPACE, f"{self.schuldeiser.id}:{self.kop.bericht_id}")

    def queue(
        self,
        session: AsyncSession,
        soort: AnswerType,
        *,
        doorverwijzing: Doorverwijzing | None = None,
        volgnummer: int = 0,
        probleem: dict[str, Any] | None = None,
    ) -> None:
        """The answer waits in the outbox until the delivery worker has it accepted by the hub."""
        extra: dict[str, Any] = {
            "conversatieReferentienummer": str(self.kop.conversatie_id),
            "inReactieOp": str(self.kop.bericht_id),
        }
        if probleem is not None:
            extra["probleem"] = probleem
        outbox.enqueue(
            session,
            ontvanger_id=self.schuldeiser.id,
            soort=soort,
            now=self.now,
            doorverwijzing_id=doorverwijzing.id if doorverwijzing else None,
            volgnummer=volgnummer,
            status=projection.partner_status(doorverwijzing.status) if doorverwijzing else None,
            gemeentecode=doorverwijzing.verwezen_gemeentecode if doorverwijzing else None,
            extra=extra,
            event_id=self.event_id,
        )

    def problem(self, session: AsyncSession, refused: ProblemError) -> None:
        """A Foutbericht whose `instance` names the refused message."""
        metrics.hub_answered_problem(self.kop.berichtsoort, refused.slug)
        probleem = refused.problem(instance=f"urn:uuid:{self.kop.bericht_id}")
        self.queue(session, AnswerType.FOUTBERICHT, probleem=probleem)


async def _doorverwijzing(
    session: AsyncSession, answer: Answer, fetched: Opgehaald, *, routing: RoutingCache, max_depth: int
) -> None:
    """A Doorverwijzing through the very same intake; answered with its Ontvangstbevestiging."""
    message = read_message(
        MessageKind.DOORVERWIJZING, etree.tostring(fetched.inhoud), "application/xml", max_depth=max_depth
    )
    outcome = await intake.receive(
        session,
        schuldeiser=answer.schuldeiser,
        message=cast(types.Doorverwijzing, message.data),
        routing=routing,
        conversatie_id=answer.kop.conversatie_id,
    )
    if isinstance(outcome, intake.Rejected):
        raise outcome.error
    if not outcome.replayed:
        doorverwijzing = outcome.doorverwijzing
        answer.queue(
            session,
            AnswerType.ONTVANGSTBEVESTIGING,
            doorverwijzing=doorverwijzing,
            volgnummer=doorverwijzing.laatste_volgnummer,
        )


async def _follow_up(
    session: AsyncSession,
    answer: Answer,
    fetched: Opgehaald,
    kind: MessageKind,
    *,
    routing: RoutingCache,
    max_depth: int,
) -> None:
    """An Intrekking, Betalingsherstel or IngrijpendeMaatregel in the conversation of one of the
    creditor's referrals, applied through the one inbound contract. A withdrawal is answered with a
    Terugmelding; payment recovery and a drastic measure change no state and are not answered."""
    doorverwijzing = await session.scalar(
        select(Doorverwijzing)
        .where(
            Doorverwijzing.conversatie_id == answer.kop.conversatie_id,
            Doorverwijzing.schuldeiser_id == answer.schuldeiser.id,
        )
        .with_for_update()
    )
    if doorverwijzing is None:
        raise NotFound("no referral of this creditor in this conversation")
    message = read_message(kind, etree.tostring(fetched.inhoud), "application/xml", max_depth=max_depth)
    applied = await inbound.apply(
        session,
        organisatie=answer.schuldeiser,
        doorverwijzing=doorverwijzing,
        kind=kind,
        message=message,
        routing=routing,
    )
    if kind is MessageKind.INTREKKING and not applied.repeat:
        answer.queue(
            session,
            AnswerType.TERUGMELDING,
            doorverwijzing=doorverwijzing,
            volgnummer=doorverwijzing.laatste_volgnummer,
        )
