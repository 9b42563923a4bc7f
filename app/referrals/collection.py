"""What the creditor reports about its own collection after referring: payment recovery (or its
absence) and drastic collection measures. Neither changes the referral's status; both are kept as a
history of reports for the uitvoerder and the programme's evaluation.

Handlers of `inbound.apply`, like those in `changes.py`; services never commit.
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.errors import InvalidMessage
from app.messages.specs import MessageKind
from app.messages.types import Betalingsherstel, IngrijpendeMaatregel, pick
from app.messages.validation import violation_at
from app.outbox import EventType
from app.referrals import history
from app.referrals.incoming import Incoming
from app.referrals.lifecycle import Status
from app.referrals.models import Betalingsherstelmelding, Doorverwijzing, Verlengingsverzoek, VerzoekStatus
from app.referrals.models import IngrijpendeMaatregel as Maatregel

# the kinds of Betalingsherstel that mean the resident pays again (betalingsherstel_op)
HERSTEL = frozenset({"betalingen-hervat", "achterstand-ingelopen"})


def _not_before_receipt(
    incoming: Incoming[Betalingsherstel] | Incoming[IngrijpendeMaatregel], kind: MessageKind
) -> date:
    """The report's date: not before the day the referral was received (400 at /datum otherwise)."""
    day = date.fromisoformat(incoming.message["datum"])
    if day < clocks.ontvangstdag(incoming.doorverwijzing.ontvangen_op):
        detail = "lies before the day the referral was received"
        violation = violation_at(kind, "/datum", detail, "voor-ontvangst", is_xml=incoming.is_xml)
        raise InvalidMessage(violations=[violation])
    return day


async def report_payment_recovery(incoming: Incoming[Betalingsherstel]) -> None:
    """A Betalingsherstel: kept as one more report; the first day payments resumed is the milestone."""
    doorverwijzing, message = incoming.doorverwijzing, incoming.message
    datum = _not_before_receipt(incoming, MessageKind.BETALINGSHERSTEL)
    incoming.session.add(
        Betalingsherstelmelding(
            id=uuid.uuid4(),
            doorverwijzing_id=doorverwijzing.id,
            soort=message["soort"],
            datum=datum,
            gemeld_op=incoming.now,
        )
    )
    if message["soort"] in HERSTEL and (
        doorverwijzing.betalingsherstel_op is None or datum < doorverwijzing.betalingsherstel_op
    ):
        doorverwijzing.betalingsherstel_op = datum
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.BETALINGSHERSTEL,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens=pick(message, "soort", "datum", "toelichting"),
    )


async def report_measure(incoming: Incoming[IngrijpendeMaatregel]) -> None:
    """An IngrijpendeMaatregel: always accepted; one taken while the collection hold ran is
    flagged as a breach of the hold, for the uitvoerder and the evaluation."""
    session, doorverwijzing, message = incoming.session, incoming.doorverwijzing, incoming.message
    datum = _not_before_receipt(incoming, MessageKind.INGRIJPENDE_MAATREGEL)
    tijdens = await incassostop_liep(session, doorverwijzing, datum)
    session.add(
        Maatregel(
            id=uuid.uuid4(),
            doorverwijzing_id=doorverwijzing.id,
            maatregel=message["maatregel"],
            datum=datum,
            gemeld_op=incoming.now,
            tijdens_incassostop=tijdens,
        )
    )
    history.record(
        session,
        doorverwijzing,
        soort=EventType.INGRIJPENDE_MAATREGEL,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens=pick(message, "maatregel", "datum", "toelichting") | {"tijdensIncassostop": tijdens},
    )


async def incassostop_liep(session: AsyncSession, doorverwijzing: Doorverwijzing, day: date) -> bool:
    """Whether the collection hold covered `day` as it stood then: the 30 days from receipt,
    extended only by the extensions agreed by then, and ended by a withdrawal on or before it."""
    ontvangen = clocks.ontvangstdag(doorverwijzing.ontvangen_op)
    agreed = await session.execute(
        select(Verlengingsverzoek.nieuwe_einddatum, Verlengingsverzoek.beantwoord_op).where(
            Verlengingsverzoek.doorverwijzing_id == doorverwijzing.id,
            Verlengingsverzoek.status == VerzoekStatus.AKKOORD.value,
        )
    )
    tot = max(
        [clocks.incassostop_tot(ontvangen)]
        + [
            einde
            for einde, beantwoord_op in agreed
            if einde is not None and beantwoord_op is not None and clocks.ontvangstdag(beantwoord_op) <= day
        ]
    )
    ingetrokken = doorverwijzing.status == Status.INGETROKKEN
    return clocks.incassostop_loopt(
        day, ontvangen=ontvangen, tot=tot, ingetrokken_op=doorverwijzing.gesloten_op if ingetrokken else None
    )
