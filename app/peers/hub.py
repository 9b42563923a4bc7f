"""Referrals arriving through the Schuldenknooppunt: fetch, take in through the very same intake,
confirm only what is stored, and queue the answer (Ontvangstbevestiging or Foutbericht) for the
creditor in the same transaction. A crash between storing and confirming makes the hub offer the
message again; the intake recognises its berichtId and nothing is stored or answered twice."""

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import logs, metrics
from app.config import Settings
from app.delivery.models import Uitgaand
from app.errors import NotFound, ProblemError
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.organisations.models import Kanaal, Organisatie, Rol
from app.peers.clients import Opgehaald, Schuldenknooppunt
from app.peers.soap import KIND_OF, Berichtkop
from app.referrals import changes, intake
from app.referrals.history import EVENT_TYPE_PREFIX
from app.referrals.models import Doorverwijzing
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv.peers")
ANTWOORD_NAMESPACE = uuid.UUID("9d2f6a10-7c4e-4b83-a1d5-3e8f0c2b6a47")
ONTVANGSTBEVESTIGING = EVENT_TYPE_PREFIX + "ontvangstbevestiging"
FOUTBERICHT = EVENT_TYPE_PREFIX + "foutbericht"
TERUGMELDING = EVENT_TYPE_PREFIX + "terugmelding"


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
    creditor = await session.scalar(
        select(Organisatie).where(
            Organisatie.kanaal_adres == kop.afzender,
            Organisatie.kanaal == Kanaal.SCHULDENKNOOPPUNT.value,
            Organisatie.rol == Rol.SCHULDEISER.value,
        )
    )
    if creditor is None:
        logger.warning(
            "hub message %s from unknown participant %s left unconfirmed", kop.bericht_id, kop.afzender
        )
        return False
    answer_id = uuid.uuid5(ANTWOORD_NAMESPACE, f"{creditor.id}:{kop.bericht_id}")
    if await session.get(Uitgaand, answer_id) is not None:
        return True  # taken in before; only the confirmation was lost
    now = datetime.now(UTC)
    if kop.berichtsoort in ("intrekking", "betalingsherstel"):
        try:
            await _follow_up(session, creditor, fetched, answer_id=answer_id, now=now, max_depth=max_depth)
        except ProblemError as refused:
            _answer_problem(session, creditor, answer_id, kop, now, refused)
        return True
    if kop.berichtsoort != "doorverwijzing":
        unsupported = ProblemError(
            f"berichtsoort {kop.berichtsoort} is not taken in from the hub", status=422
        )
        _answer_problem(session, creditor, answer_id, kop, now, unsupported)
        return True
    try:
        message = read_message(
            MessageKind.DOORVERWIJZING, etree.tostring(fetched.inhoud), "application/xml", max_depth=max_depth
        )
        outcome = await intake.receive(
            session,
            schuldeiser=creditor,
            message=message.data,
            routing=routing,
            conversatie_id=kop.conversatie_id,
        )
    except ProblemError as problem:
        _answer_problem(session, creditor, answer_id, kop, now, problem)
        return True
    if isinstance(outcome, intake.Rejected):
        _answer_problem(session, creditor, answer_id, kop, now, outcome.error)
    elif not outcome.replayed:
        referral = outcome.referral
        _queue(
            session,
            creditor,
            answer_id,
            now,
            ONTVANGSTBEVESTIGING,
            referral.ontvangstbevestiging,
            conversatie_id=kop.conversatie_id,
            referral_id=referral.id,
        )
    return True


def _answer_problem(
    session: AsyncSession,
    creditor: Organisatie,
    answer_id: uuid.UUID,
    kop: Berichtkop,
    now: datetime,
    problem: ProblemError,
) -> None:
    """A Foutbericht whose `instance` names the refused message."""
    metrics.hub_answered_problem(kop.berichtsoort, problem.slug)
    body = problem.problem(instance=f"urn:uuid:{kop.bericht_id}")
    _queue(
        session,
        creditor,
        answer_id,
        now,
        FOUTBERICHT,
        body,
        conversatie_id=kop.conversatie_id,
        referral_id=None,
    )


async def _follow_up(
    session: AsyncSession,
    creditor: Organisatie,
    fetched: Opgehaald,
    *,
    answer_id: uuid.UUID,
    now: datetime,
    max_depth: int,
) -> None:
    """An Intrekking or Betalingsherstel in the conversation of one of the creditor's referrals.

    A withdrawal is answered with a Terugmelding; payment recovery changes no state and is not answered.
    """
    kop = fetched.kop
    referral = await session.scalar(
        select(Doorverwijzing)
        .where(
            Doorverwijzing.conversatie_id == kop.conversatie_id, Doorverwijzing.schuldeiser_id == creditor.id
        )
        .with_for_update()
    )
    if referral is None:
        raise NotFound("no referral of this creditor in this conversation")
    kind = KIND_OF[kop.berichtsoort]
    message = read_message(kind, etree.tostring(fetched.inhoud), "application/xml", max_depth=max_depth)
    _, repeat = await changes.receive_once(
        session, organisatie=creditor, referral=referral, kind=kind, message=message.data
    )
    if repeat:
        return
    if kind is MessageKind.BETALINGSHERSTEL:
        changes.report_payment_recovery(
            session, schuldeiser=creditor, referral=referral, message=message.data
        )
        return
    changes.withdraw(session, schuldeiser=creditor, referral=referral, message=message.data)
    _queue(
        session,
        creditor,
        answer_id,
        now,
        TERUGMELDING,
        {},
        conversatie_id=kop.conversatie_id,
        referral_id=referral.id,
    )


def _queue(
    session: AsyncSession,
    creditor: Organisatie,
    answer_id: uuid.UUID,
    now: datetime,
    type_: str,
    bericht: dict[str, Any],
    *,
    conversatie_id: uuid.UUID,
    referral_id: uuid.UUID | None,
) -> None:
    """The answer waits in the outbox until the delivery worker has it accepted by the hub."""
    session.add(
        Uitgaand(
            id=answer_id,
            ontvanger_id=creditor.id,
            doorverwijzing_id=referral_id,
            volgnummer=0,
            type=type_,
            data={"bericht": bericht, "conversatieReferentienummer": str(conversatie_id)},
            dataref=None,
            aangemaakt_op=now,
            verdeeld=False,
        )
    )
