"""The handlers of the messages that change a stored referral's lifecycle: status reports and
contact attempts (uitvoerder), withdrawal (creditor), and what a confirmed delivery means.

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
from app.messages.types import Adres, Contactpoging, Intrekking, Statusmelding, pick
from app.messages.validation import violation_at
from app.organisations.service import uitvoerder_for
from app.outbox import EventType, Uitgaand
from app.referrals import contact_promise, history, lifecycle
from app.referrals.incoming import Incoming
from app.referrals.lifecycle import Status
from app.referrals.models import Doorverwijzing
from app.routing.postcode import normalise

NOTE = "interneToelichting"


def _check_transition(
    doorverwijzing: Doorverwijzing,
    target: Status,
    *,
    reden: str | None = None,
    eindresultaat: str | None = None,
) -> Status:
    """409 naming what is allowed when the move, or its reason or end result, does not fit."""
    current = Status(doorverwijzing.status)
    extra: dict[str, Any] = {
        "huidigeStatus": current.value,
        "toegestaneStatussen": sorted(s.value for s in lifecycle.allowed_next(current)),
    }
    if not lifecycle.can_move(current, target):
        raise TransitionNotAllowed(
            f"a referral in status {current.value} cannot move to {target.value}", extra=extra
        )
    if not lifecycle.fits(current, target, reden=reden, eindresultaat=eindresultaat):
        if target is Status.AFGESLOTEN:
            allowed: list[str] = sorted(lifecycle.allowed_eindresultaten(current))
            what, key = f"eindresultaat '{eindresultaat}'", "toegestaneEindresultaten"
        else:
            allowed = sorted(lifecycle.allowed_redenen(current))
            what, key = f"reden '{reden}'", "toegestaneRedenen"
        raise TransitionNotAllowed(
            f"{what} does not fit a referral in status {current.value}", extra=extra | {key: allowed}
        )
    return current


def _move(
    doorverwijzing: Doorverwijzing, target: Status, *, day: date, now: datetime, sluitreden: str | None = None
) -> str:
    """Apply one transition of the lifecycle table and the milestones it reaches."""
    current = _check_transition(doorverwijzing, target)
    doorverwijzing.status = target.value
    doorverwijzing.status_sinds = now
    doorverwijzing.is_open = lifecycle.is_open(target)
    if target is Status.OPGEPAKT or target in lifecycle.NA_CONTACT:
        doorverwijzing.opgepakt_op = doorverwijzing.opgepakt_op or day
    if target is Status.CONTACT_GELEGD:
        doorverwijzing.contact_gelegd_op = doorverwijzing.contact_gelegd_op or day
    elif target is Status.HULP_AANGEBODEN:
        doorverwijzing.hulp_aangeboden_op = doorverwijzing.hulp_aangeboden_op or day
    elif target is Status.HULP_GEACCEPTEERD:
        doorverwijzing.hulp_aangeboden_op = doorverwijzing.hulp_aangeboden_op or day
        doorverwijzing.hulp_geaccepteerd_op = doorverwijzing.hulp_geaccepteerd_op or day
    if not doorverwijzing.is_open:
        doorverwijzing.gesloten_op = day
        doorverwijzing.sluitreden = sluitreden
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
    details = details or {}
    sluitreden = details.get("reden") or details.get("eindresultaat")
    status_van = _move(doorverwijzing, target, day=clocks.ontvangstdag(now), now=now, sluitreden=sluitreden)
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.STATUS_GEWIJZIGD,
        now=now,
        actor_id=incoming.organisatie.id,
        status_van=status_van,
        gegevens=details,
    )


def _not_before_clocks(incoming: Incoming[Statusmelding], pointer: str, value: str) -> date:
    """A date the uitvoerder reports: not before the day the referral reached it (400 otherwise)."""
    day = date.fromisoformat(value)
    doorverwijzing = incoming.doorverwijzing
    if day < clocks.ontvangstdag(doorverwijzing.klokken_vanaf):
        rerouted = doorverwijzing.klokken_vanaf != doorverwijzing.ontvangen_op
        detail = "lies before the day the referral was " + (
            "routed to this uitvoerder" if rerouted else "received"
        )
        violation = violation_at(
            MessageKind.STATUSMELDING, pointer, detail, "voor-ontvangst", is_xml=incoming.is_xml
        )
        raise InvalidMessage(violations=[violation])
    return day


# --- Statusmelding (uitvoerder) -----------------------------------------------------------------


async def report_status(incoming: Incoming[Statusmelding]) -> None:
    """A Statusmelding: a contact attempt, a status, or both (the attempt is recorded first)."""
    ensure_open(incoming.doorverwijzing)
    message = incoming.message
    target = Status(message["status"]) if "status" in message else None
    if target is not None:
        _check_transition(
            incoming.doorverwijzing,
            target,
            reden=message.get("reden"),
            eindresultaat=message.get("eindresultaat"),
        )
    opgepakt_op = (
        _not_before_clocks(incoming, "/datumOpgepakt", message["datumOpgepakt"])
        if "datumOpgepakt" in message
        else None
    )
    attempt = message.get("contactpoging")
    if attempt is not None:
        _record_attempt(incoming, attempt, with_note=target is None)
        if target is None and attempt["bereikt"] and _can_move(incoming, Status.CONTACT_GELEGD):
            target = Status.CONTACT_GELEGD
    if target is None:
        return
    moved_away = message.get("reden") == GEEN_INWONER and "nieuwAdres" in message
    if moved_away and await _reroute(incoming, message["nieuwAdres"], note=_note(message)):
        return
    _apply_status(incoming, target, opgepakt_op=opgepakt_op, reported=attempt is None)
    if attempt is not None and attempt["bereikt"] and _can_move(incoming, Status.CONTACT_GELEGD):
        # "opgepakt" reported together with a reached attempt: the person was reached, too
        _record_move(incoming, Status.CONTACT_GELEGD)


def _can_move(incoming: Incoming[Statusmelding], target: Status) -> bool:
    return lifecycle.can_move(Status(incoming.doorverwijzing.status), target)


def _note(message: Statusmelding) -> dict[str, str]:
    return {NOTE: message["interneToelichting"]} if "interneToelichting" in message else {}


def _apply_status(
    incoming: Incoming[Statusmelding], target: Status, *, opgepakt_op: date | None, reported: bool
) -> None:
    """The status of a Statusmelding, with its details and the milestones it sets."""
    doorverwijzing, message = incoming.doorverwijzing, incoming.message
    details = pick(message, "datumOpgepakt", "reden", "eindresultaat") | _note(message)
    if message.get("reden") == GEEN_INWONER and "nieuwAdres" in message:
        details["herindeling"] = "het nieuwe adres kon niet naar een deelnemende gemeente worden gerouteerd"
    _record_move(incoming, target, details)
    if opgepakt_op is not None:
        doorverwijzing.opgepakt_op = opgepakt_op
    if target is Status.CONTACT_GELEGD and reported:
        # the uitvoerder reports that it reached the person, without an attempt to say how: that
        # is contact with the resident on the day of the report
        day = clocks.ontvangstdag(incoming.now)
        doorverwijzing.eerste_contactpoging_op = doorverwijzing.eerste_contactpoging_op or day


def _record_attempt(incoming: Incoming[Statusmelding], attempt: Contactpoging, *, with_note: bool) -> None:
    """A contact attempt: an event of its own; the first one of a kind that is contact with the
    resident (contact_promise.CONTACT_MET_INWONER) counts for the contact promise."""
    doorverwijzing = incoming.doorverwijzing
    attempt_day = _not_before_clocks(incoming, "/contactpoging/datum", attempt["datum"])
    if contact_promise.houdt_belofte(attempt["soort"]) and (
        doorverwijzing.eerste_contactpoging_op is None or attempt_day < doorverwijzing.eerste_contactpoging_op
    ):
        doorverwijzing.eerste_contactpoging_op = attempt_day
    note = _note(incoming.message) if with_note else {}
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
    # the new uitvoerder's deadline and working-day clocks count from this moment
    doorverwijzing.klokken_vanaf = now
    doorverwijzing.contact_uiterlijk = clock_warnings.contact_uiterlijk(day)
    doorverwijzing.opgepakt_op = doorverwijzing.eerste_contactpoging_op = doorverwijzing.contact_gelegd_op = (
        None
    )
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


# --- Intrekking (creditor) ---------------------------------------------------------------------------


async def withdraw(incoming: Incoming[Intrekking]) -> None:
    """An Intrekking: the creditor withdraws an open referral."""
    doorverwijzing, now, message = incoming.doorverwijzing, incoming.now, incoming.message
    status_van = _move(
        doorverwijzing, Status.INGETROKKEN, day=clocks.ontvangstdag(now), now=now, sluitreden=message["reden"]
    )
    history.record(
        incoming.session,
        doorverwijzing,
        soort=EventType.INGETROKKEN,
        now=now,
        actor_id=incoming.organisatie.id,
        status_van=status_van,
        gegevens=pick(message, "reden", "toelichting"),
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
