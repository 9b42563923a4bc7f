"""Changes to a stored referral: status reports and contact attempts (uitvoerder), withdrawal and
payment recovery (creditor), and the extension of the collection hold. Services never commit.

Each change locks the referral row, checks who may make it, answers a repeated berichtId once,
and records history plus outgoing events through `history.record`.
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock_warnings, clocks
from app.delivery.models import Uitgaand
from app.errors import (
    Conflict,
    DuplicateBerichtId,
    InvalidMessage,
    NotFound,
    TransitionNotAllowed,
)
from app.messages.jsonform import content_hash, plain
from app.messages.rules import GEEN_INWONER
from app.messages.specs import MessageKind
from app.messages.validation import violation_at
from app.organisations.models import Organisatie, Rol
from app.organisations.service import uitvoerder_for
from app.referrals import access, history, lifecycle
from app.referrals.lifecycle import Status
from app.referrals.models import Doorverwijzing, OntvangenBericht
from app.referrals.projection import Soort
from app.routing.postcode import normalise
from app.routing.service import RoutingCache


async def referral_as(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    referral_id: uuid.UUID,
    role: Rol,
    actie: str,
    lock: bool = True,
) -> Doorverwijzing:
    """The referral if `organisatie` is its uitvoerder (role UITVOERDER) or its creditor (role
    SCHULDEISER); 404 for everyone else. Locked until the transaction ends unless `lock` is off."""
    referral = await access.get_visible(
        session,
        organisatie=organisatie,
        referral_id=referral_id,
        actie=actie,
        grondslag="uitvoering warme doorverwijzing",
        for_update=lock,
    )
    owner = referral.uitvoerder_id if role is Rol.UITVOERDER else referral.schuldeiser_id
    if owner != organisatie.id:
        raise NotFound("no referral with this id is visible to this organisation for this")
    return referral


async def receive_once(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    referral: Doorverwijzing,
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
            referral.id,
            kind.value,
        ):
            raise DuplicateBerichtId("send a new berichtId for a new or changed message")
        return earlier, True
    receipt = OntvangenBericht(
        organisatie_id=organisatie.id,
        bericht_id=bericht_id,
        soort=kind.value,
        inhoud_hash=digest,
        doorverwijzing_id=referral.id,
        ontvangen_op=datetime.now(UTC),
    )
    session.add(receipt)
    return receipt, False


def _check_transition(referral: Doorverwijzing, target: Status) -> Status:
    current = Status(referral.status)
    if not lifecycle.can_move(current, target):
        allowed = sorted(s.value for s in lifecycle.allowed_next(current))
        raise TransitionNotAllowed(
            f"a referral in status {current.value} cannot move to {target.value}",
            extra={"huidigeStatus": current.value, "toegestaneStatussen": allowed},
        )
    return current


def _move(referral: Doorverwijzing, target: Status, *, day: date, now: datetime) -> str:
    """Apply one transition of the lifecycle table; 409 naming what is allowed otherwise."""
    current = _check_transition(referral, target)
    referral.status = target.value
    referral.status_sinds = now
    referral.is_open = lifecycle.is_open(target)
    if target is Status.CONTACT_GELEGD:
        referral.contact_gelegd_op = referral.contact_gelegd_op or day
        referral.eerste_contactpoging_op = referral.eerste_contactpoging_op or day
    elif target is Status.HULP_AANGEBODEN:
        referral.hulp_aangeboden_op = referral.hulp_aangeboden_op or day
    elif target is Status.HULP_GEACCEPTEERD:
        referral.hulp_aangeboden_op = referral.hulp_aangeboden_op or day
        referral.hulp_geaccepteerd_op = referral.hulp_geaccepteerd_op or day
    return current.value


def ensure_open(referral: Doorverwijzing) -> None:
    if not referral.is_open:
        raise TransitionNotAllowed(
            f"the referral is closed ({referral.status}) and never changes again",
            extra={"huidigeStatus": referral.status, "toegestaneStatussen": []},
        )


async def report_status(
    session: AsyncSession,
    *,
    uitvoerder: Organisatie,
    referral: Doorverwijzing,
    message: dict[str, Any],
    routing: RoutingCache,
    is_xml: bool = False,
    now: datetime | None = None,
) -> None:
    """A Statusmelding: a contact attempt, a status, or both (the attempt is recorded first)."""
    now = now or datetime.now(UTC)
    day = clocks.ontvangstdag(now)
    ensure_open(referral)
    note = {"interneToelichting": message["interneToelichting"]} if "interneToelichting" in message else {}
    target = Status(message["status"]) if "status" in message else None

    if attempt := message.get("contactpoging"):
        attempt_day = date.fromisoformat(attempt["datum"])
        if attempt_day < clocks.ontvangstdag(referral.ontvangen_op):
            detail = "lies before the day the referral was received"
            violation = violation_at(
                MessageKind.STATUSMELDING, "/contactpoging/datum", detail, "voor-ontvangst", is_xml=is_xml
            )
            raise InvalidMessage(violations=[violation])
        if referral.eerste_contactpoging_op is None or attempt_day < referral.eerste_contactpoging_op:
            referral.eerste_contactpoging_op = attempt_day
        history.record(
            session,
            referral,
            soort=Soort.CONTACTPOGING,
            now=now,
            actor_id=uitvoerder.id,
            gegevens=plain(attempt) | (note if target is None else {}),
        )
        if attempt["bereikt"]:
            referral.contact_gelegd_op = referral.contact_gelegd_op or attempt_day
            if target is None and lifecycle.can_move(Status(referral.status), Status.CONTACT_GELEGD):
                target = Status.CONTACT_GELEGD
    if target is None:
        return

    details = {k: message[k] for k in ("reden", "eindresultaat") if k in message} | note
    if message.get("reden") == GEEN_INWONER and "nieuwAdres" in message:
        _check_transition(referral, target)
        adres = message["nieuwAdres"]
        if await _reroute(
            session, routing, uitvoerder=uitvoerder, referral=referral, adres=adres, now=now, note=note
        ):
            return
        details["herindeling"] = "het nieuwe adres kon niet naar een deelnemende gemeente worden gerouteerd"
    status_van = _move(referral, target, day=day, now=now)
    history.record(
        session,
        referral,
        soort=Soort.STATUS_GEWIJZIGD,
        now=now,
        actor_id=uitvoerder.id,
        status_van=status_van,
        gegevens=details,
    )
    reached = bool(attempt and attempt["bereikt"])
    if reached and lifecycle.can_move(Status(referral.status), Status.CONTACT_GELEGD):
        # "opgepakt" reported together with a reached attempt: the person was reached, too
        status_van = _move(referral, Status.CONTACT_GELEGD, day=day, now=now)
        history.record(
            session,
            referral,
            soort=Soort.STATUS_GEWIJZIGD,
            now=now,
            actor_id=uitvoerder.id,
            status_van=status_van,
        )


async def _reroute(
    session: AsyncSession,
    routing: RoutingCache,
    *,
    uitvoerder: Organisatie,
    referral: Doorverwijzing,
    adres: dict[str, Any],
    now: datetime,
    note: dict[str, Any],
) -> bool:
    """Route the referral to the gemeente of the resident's new address; False when that fails."""
    day = clocks.ontvangstdag(now)
    snapshot = await routing.snapshot(session)
    routering = (
        snapshot.route(normalise(adres["postcode"]), adres["huisnummer"], on=day) if snapshot else None
    )
    if routering is None:
        return False
    if routering.gemeentecode == referral.gemeentecode:
        raise Conflict(
            "the new address lies in the same gemeente; report the status without nieuwAdres",
            extra={"gemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam}},
        )
    nieuwe_uitvoerder = await uitvoerder_for(session, gemeentecode=routering.gemeentecode, on=day)
    if nieuwe_uitvoerder is None:
        return False
    van = {"gemeentecode": referral.gemeentecode, "uitvoerderId": str(referral.uitvoerder_id)}
    status_van = referral.status
    referral.gemeentecode = routering.gemeentecode
    referral.uitvoerder_id = nieuwe_uitvoerder.id
    referral.routering = routering.as_record()
    referral.actueel_adres = plain(adres)
    referral.status = Status.ONTVANGEN.value
    referral.status_sinds = now
    referral.contact_uiterlijk = clock_warnings.contact_uiterlijk(day)
    referral.eerste_contactpoging_op = referral.contact_gelegd_op = None
    referral.hulp_aangeboden_op = referral.hulp_geaccepteerd_op = None
    referral.contacttermijn_verstreken_op = None
    history.record(
        session,
        referral,
        soort=Soort.HERINGEDEELD,
        now=now,
        actor_id=uitvoerder.id,
        status_van=status_van,
        gegevens={
            "reden": GEEN_INWONER,
            "van": van,
            "naarGemeente": {"code": routering.gemeentecode, "naam": routering.gemeentenaam},
            "naarUitvoerderId": str(nieuwe_uitvoerder.id),
        }
        | note,
    )
    history.record(session, referral, soort=Soort.ONTVANGEN, now=now, actor_id=uitvoerder.id)
    return True


def withdraw(
    session: AsyncSession,
    *,
    schuldeiser: Organisatie,
    referral: Doorverwijzing,
    message: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """An Intrekking: the creditor withdraws an open referral."""
    now = now or datetime.now(UTC)
    status_van = _move(referral, Status.INGETROKKEN, day=clocks.ontvangstdag(now), now=now)
    history.record(
        session,
        referral,
        soort=Soort.INGETROKKEN,
        now=now,
        actor_id=schuldeiser.id,
        status_van=status_van,
        gegevens={k: message[k] for k in ("reden", "toelichting") if k in message},
    )


def report_payment_recovery(
    session: AsyncSession,
    *,
    schuldeiser: Organisatie,
    referral: Doorverwijzing,
    message: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """A Betalingsherstel: information for the uitvoerder and the figures; no status change."""
    now = now or datetime.now(UTC)
    referral.betalingsherstel_op = date.fromisoformat(message["datum"])
    history.record(
        session,
        referral,
        soort=Soort.BETALINGSHERSTEL,
        now=now,
        actor_id=schuldeiser.id,
        gegevens={k: message[k] for k in ("soort", "datum", "toelichting") if k in message},
    )


async def acknowledge(session: AsyncSession, event: Uitgaand, *, now: datetime) -> None:
    """The receiver confirmed an event (mailbox confirmation or a 2xx to a webhook). When the
    uitvoerder confirms a new referral, its system has it: the referral is `afgeleverd`."""
    if event.bevestigd_op is None:
        event.bevestigd_op = now
    if event.type != history.event_type(Soort.ONTVANGEN) or event.doorverwijzing_id is None:
        return
    referral = await session.get(Doorverwijzing, event.doorverwijzing_id, with_for_update=True)
    if (
        referral is None
        or referral.uitvoerder_id != event.ontvanger_id
        or referral.status != Status.ONTVANGEN
    ):
        return
    status_van = _move(referral, Status.AFGELEVERD, day=clocks.ontvangstdag(now), now=now)
    history.record(
        session,
        referral,
        soort=Soort.STATUS_GEWIJZIGD,
        now=now,
        actor_id=event.ontvanger_id,
        status_van=status_van,
        gegevens={"bevestigdBericht": str(event.id)},
    )
