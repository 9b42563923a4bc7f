"""The handlers of the messages that change a stored referral: status reports and contact attempts
(uitvoerder), withdrawal and payment recovery (creditor), and what a confirmed delivery means.

Each handler gets an `Incoming` from `inbound.apply`, which has already locked the referral,
checked who sent the message and recognised a repeated berichtId; a handler applies the change
and records history plus outgoing events through `history.record`. Services never commit.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock_warnings, clocks, outbox
from app.errors import Conflict, InvalidMessage, TransitionNotAllowed
from app.messages.jsonform import plain
from app.messages.rules import GEEN_INWONER
from app.messages.specs import MessageKind
from app.messages.types import Adres, Betalingsherstel, Contactpoging, Intrekking, Statusmelding, pick
from app.messages.validation import violation_at
from app.organisations.service import uitvoerder_for
from app.outbox import EventType, Uitgaand
from app.referrals import history, lifecycle
from app.referrals.incoming import Incoming
from app.referrals.lifecycle import Status
from app.referrals.models import Doorverwijzing
from app.routing.postcode import normalise

NOTE = "interneToelichting"


def _check_transition(doorverwijzing: Doorverwijzing, target: Status) -> Status:
    current = Status(doorverwijzing.status)
    if not lifecycle.can_move(current, target):
        allowed = sorted(s.value for s in lifecycle.allowed_next(current))
        raise TransitionNotAllowed(
            f"a referral in status {current.value} cannot move to {target.value}",
            extra={"huidigeStatus": current.value, "toegestaneStatussen": allowed},
        )
    return current


def _move(doorverwijzing: Doorverwijzing, target: Status, *, day: date, now: datetime) -> str:
    """Apply one transition of the lifecycle table; 409 naming what is allowed otherwise."""
    current = _check_transition(doorverwijzing, target)
    doorverwijzing.status = target.value
    doorverwijzing.status_sinds = now
    doorverwijzing.is_open = lifecycle.is_open(target)
    if not doorverwijzing.is_open:
        doorverwijzing.afgesloten_op = now  # the retention period runs from here
    if target is Status.CONTACT_GELEGD:
        doorverwijzing.contact_gelegd_op = doorverwijzing.contact_gelegd_op or day
        doorverwijzing.eerste_contactpoging_op = doorverwijzing.eerste_contactpoging_op or day
    elif target is Status.HULP_AANGEBODEN:
        doorverwijzing.hulp_aangeboden_op = doorverwijzing.hulp_aangeboden_op or day
    elif target is Status.HULP_GEACCEPTEERD:
        doorverwijzing.hulp_aangeboden_op = doorverwijzing.hulp_aangeboden_op or day
        doorverwijzing.hulp_geaccepteerd_op = doorverwijzing.hulp_geaccepteerd_op or day
    return current.value


def ensure_open(doorverwijzing: Doorverwijzing) -> None:
    if not doorverwijzing.is_open:
        raise TransitionNotAllowed(
            f"the referral is closed ({doorverwijzing.status}) and never changes again",
            extra={"huidigeStatus": doorverwijzing.status, "toegestaneStatussen": []},
        )


def _record_move(
    incoming: Incoming[Statusmelding], target: Status, details: dict[str, Any] | None = None
) -> None:
    doorverwijzing, now = incoming.doorverwijzing, incoming.now
    status_van = _move(doorverwijzing, target, day=clocks.ontvangstdag(now), now=now)
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.STATUS_GEWIJZIGD,
        now=now,
        actor_id=incoming.organisatie.id,
        status_van=status_van,
        gegevens=details,
    )


# --- Statusmelding (uitvoerder) -----------------------------------------------------------------


async def report_status(incoming: Incoming[Statusmelding]) -> None:
    """A Statusmelding: a contact attempt, a status, or both (the attempt is recorded first)."""
    ensure_open(incoming.doorverwijzing)
    message = incoming.message
    target = Status(message["status"]) if "status" in message else None
    attempt = message.get("contactpoging")
    if attempt is not None:
        _record_attempt(incoming, attempt, with_note=target is None)
        if (
            attempt["bereikt"]
            and target is None
            and lifecycle.can_move(Status(incoming.doorverwijzing.status), Status.CONTACT_GELEGD)
        ):
            target = Status.CONTACT_GELEGD
    if target is None:
        return
    note = {NOTE: message["interneToelichting"]} if "interneToelichting" in message else {}
    details = pick(message, "reden", "eindresultaat") | note
    if message.get("reden") == GEEN_INWONER and "nieuwAdres" in message:
        _check_transition(incoming.doorverwijzing, target)
        if await _reroute(incoming, message["nieuwAdres"], note=note):
            return
        details["herindeling"] = "het nieuwe adres kon niet naar een deelnemende gemeente worden gerouteerd"
    _record_move(incoming, target, details)
    reached = attempt is not None and attempt["bereikt"]
    if reached and lifecycle.can_move(Status(incoming.doorverwijzing.status), Status.CONTACT_GELEGD):
        # "opgepakt" reported together with a reached attempt: the person was reached, too
        _record_move(incoming, Status.CONTACT_GELEGD)


def _record_attempt(incoming: Incoming[Statusmelding], attempt: Contactpoging, *, with_note: bool) -> None:
    """A contact attempt: an event of its own; the first one counts for the contact promise."""
    doorverwijzing = incoming.doorverwijzing
    attempt_day = date.fromisoformat(attempt["datum"])
    if attempt_day < clocks.ontvangstdag(doorverwijzing.ontvangen_op):
        detail = "lies before the day the referral was received"
        violation = violation_at(
            MessageKind.STATUSMELDING,
            "/contactpoging/datum",
            detail,
            "voor-ontvangst",
            is_xml=incoming.is_xml,
        )
        raise InvalidMessage(violations=[violation])
    if doorverwijzing.eerste_contactpoging_op is None or attempt_day < doorverwijzing.eerste_contactpoging_op:
        doorverwijzing.eerste_contactpoging_op = attempt_day
    message = incoming.message
    note = {NOTE: message["interneToelichting"]} if with_note and "interneToelichting" in message else {}
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.CONTACTPOGING,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens=dict(plain(attempt)) | note,
    )
    if attempt["bereikt"]:
        doorverwijzing.contact_gelegd_op = doorverwijzing.contact_gelegd_op or attempt_day


async def _reroute(incoming: Incoming[Statusmelding], adres: Adres, *, note: dict[str, str]) -> bool:
    """Route the referral to the gemeente of the resident's new address; False when that fails."""
    session, doorverwijzing, now = incoming.session, incoming.doorverwijzing, incoming.now
    day = clocks.ontvangstdag(now)
    snapshot = await incoming.routing.snapshot(session)
    routering = (
        snapshot.route(normalise(adres["postcode"]), adres["huisnummer"], on=day) if snapshot else None
    )
    if routering is None:
        return False
    if routering.gemeentecode == doorverwijzing.gemeentecode:
        raise Conflict(
            "the new address lies in the same gemeente; report the status without nieuwAdres",
            extra={"gemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam}},
        )
    nieuwe_uitvoerder = await uitvoerder_for(session, gemeentecode=routering.gemeentecode, on=day)
    if nieuwe_uitvoerder is None:
        return False
    van = {"gemeentecode": doorverwijzing.gemeentecode, "uitvoerderId": str(doorverwijzing.uitvoerder_id)}
    status_van = doorverwijzing.status
    doorverwijzing.gemeentecode = routering.gemeentecode
    doorverwijzing.uitvoerder_id = nieuwe_uitvoerder.id
    doorverwijzing.routering = routering.as_record()
    doorverwijzing.actueel_adres = plain(adres)
    doorverwijzing.status = Status.ONTVANGEN.value
    doorverwijzing.status_sinds = now
    doorverwijzing.contact_uiterlijk = clock_warnings.contact_uiterlijk(day)
    doorverwijzing.eerste_contactpoging_op = doorverwijzing.contact_gelegd_op = None
    doorverwijzing.hulp_aangeboden_op = doorverwijzing.hulp_geaccepteerd_op = None
    doorverwijzing.contacttermijn_verstreken_op = None
    actor_id = incoming.organisatie.id
    history.record(
        session,
        doorverwijzing,
        soort=EventType.HERINGEDEELD,
        now=now,
        actor_id=actor_id,
        status_van=status_van,
        gegevens={
            "reden": GEEN_INWONER,
            "van": van,
            "naarGemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam},
            "naarUitvoerderId": str(nieuwe_uitvoerder.id),
        }
        | note,
    )
    history.record(session, doorverwijzing, soort=EventType.ONTVANGEN, now=now, actor_id=actor_id)
    return True


# --- Intrekking and Betalingsherstel (creditor) ----------------------------------------------------


async def withdraw(incoming: Incoming[Intrekking]) -> None:
    """An Intrekking: the creditor withdraws an open referral."""
    doorverwijzing, now = incoming.doorverwijzing, incoming.now
    status_van = _move(doorverwijzing, Status.INGETROKKEN, day=clocks.ontvangstdag(now), now=now)
    message = incoming.message
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.INGETROKKEN,
        now=now,
        actor_id=incoming.organisatie.id,
        status_van=status_van,
        gegevens=pick(message, "reden", "toelichting"),
    )


async def report_payment_recovery(incoming: Incoming[Betalingsherstel]) -> None:
    """A Betalingsherstel: information for the uitvoerder and the figures; no status change."""
    message = incoming.message
    incoming.doorverwijzing.betalingsherstel_op = date.fromisoformat(message["datum"])
    history.record(
        incoming.session,
        incoming.doorverwijzing,
        soort=EventType.BETALINGSHERSTEL,
        now=incoming.now,
        actor_id=incoming.organisatie.id,
        gegevens=pick(message, "soort", "datum", "toelichting"),
    )


# --- a confirmed delivery ----------------------------------------------------------------------


async def confirm_delivery(session: AsyncSession, event: Uitgaand, *, now: datetime) -> None:
    """The receiver confirmed an event (mailbox confirmation or a 2xx to a webhook or peer). When the
    uitvoerder confirms a new referral, its system has it: the referral is `afgeleverd`."""
    outbox.confirm(event, now=now)
    if event.type != EventType.ONTVANGEN.type or event.doorverwijzing_id is None:
        return
    doorverwijzing = await session.get(Doorverwijzing, event.doorverwijzing_id, with_for_update=True)
    if (
        doorverwijzing is None
        or doorverwijzing.uitvoerder_id != event.ontvanger_id
        or doorverwijzing.status != Status.ONTVANGEN
    ):
        return
    status_van = _move(doorverwijzing, Status.AFGELEVERD, day=clocks.ontvangstdag(now), now=now)
    history.record(
        session,
        doorverwijzing,
        soort=EventType.STATUS_GEWIJZIGD,
        now=now,
        actor_id=event.ontvanger_id,
        status_van=status_van,
        gegevens={"bevestigdBericht": str(event.id)},
    )
