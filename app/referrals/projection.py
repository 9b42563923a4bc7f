"""Who sees what of a referral: every rule about what a creditor or an uitvoerder may see, and who
is told of which event, defined here and nowhere else (pure). Views only format what this allows.

The uitvoerder the referral is routed to sees everything about it, except the internal notes of an
uitvoerder that had it before a re-routing. The creditor sees the partner-visible status, whether
the contact promise was kept, and per kind of event a whitelist of details: never a reason for not
taking a referral up, an end result, an internal note, a contact attempt, a re-routing or the
address the person moved to. A peer system sees what the party it serves sees: Vroegsignalering
works for the uitvoerder, the Schuldenknooppunt carries Terugmeldingen to the creditor.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.organisations.models import Rol
from app.outbox import EventType
from app.referrals.lifecycle import Status

# Every status is partner-visible as itself; the detail behind it (reden, eindresultaat) is not.
PARTNER_STATUS: dict[Status, Status] = {
    Status.ONTVANGEN: Status.ONTVANGEN,
    Status.AFGELEVERD: Status.AFGELEVERD,
    Status.OPGEPAKT: Status.OPGEPAKT,
    Status.CONTACT_GELEGD: Status.CONTACT_GELEGD,
    Status.HULP_AANGEBODEN: Status.HULP_AANGEBODEN,
    Status.HULP_GEACCEPTEERD: Status.HULP_GEACCEPTEERD,
    Status.HULP_GEWEIGERD: Status.HULP_GEWEIGERD,
    Status.AFGESLOTEN: Status.AFGESLOTEN,
    Status.NIET_OPGEPAKT: Status.NIET_OPGEPAKT,
    Status.NIET_BEREIKT: Status.NIET_BEREIKT,
    Status.INGETROKKEN: Status.INGETROKKEN,
}

# Per kind of event, the fields of `gegevens` a creditor may see. A kind that is absent is not
# shown to the creditor at all: contact attempts, and a re-routing (it would say the person moved).
SCHULDEISER_FIELDS: dict[EventType, tuple[str, ...]] = {
    EventType.ONTVANGEN: (),
    EventType.STATUS_GEWIJZIGD: (),
    EventType.INGETROKKEN: ("reden", "toelichting"),
    EventType.BETALINGSHERSTEL: ("soort", "datum", "toelichting"),
    # its own report, and that it fell within the collection hold it agreed to
    EventType.INGRIJPENDE_MAATREGEL: ("maatregel", "datum", "toelichting", "tijdensIncassostop"),
    EventType.VERLENGING_GEVRAAGD: ("verzoekId", "gevraagdTot", "motivering"),
    EventType.VERLENGING_BEANTWOORD: ("verzoekId", "akkoord", "nieuweEinddatum", "toelichting"),
    EventType.CONTACTTERMIJN_VERSTREKEN: ("contactUiterlijk",),
    EventType.INCASSOSTOP_VERLOOPT_BINNENKORT: ("incassostopTot",),
    EventType.INCASSOSTOP_VERLOPEN: ("incassostopTot",),
}

# Events an uitvoerder's system is sent (it is never sent what it did itself).
UITVOERDER_EVENTS = frozenset(
    {
        EventType.ONTVANGEN,
        EventType.INGETROKKEN,
        EventType.BETALINGSHERSTEL,
        EventType.INGRIJPENDE_MAATREGEL,
        EventType.VERLENGING_BEANTWOORD,
        EventType.CONTACTTERMIJN_VERSTREKEN,
        EventType.INCASSOSTOP_VERLOOPT_BINNENKORT,
        EventType.INCASSOSTOP_VERLOPEN,
    }
)
# The creditor is told of what it may see, except the receipt it was answered synchronously.
SCHULDEISER_EVENTS = frozenset(SCHULDEISER_FIELDS) - {EventType.ONTVANGEN}

INTERNAL_NOTE = "interneToelichting"


def partner_status(status: str) -> str:
    return PARTNER_STATUS[Status(status)].value


def schuldeiser_sees(soort: str) -> bool:
    return EventType(soort) in SCHULDEISER_FIELDS


def schuldeiser_gegevens(soort: str, gegevens: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an event's details that a creditor may see (empty for invisible kinds)."""
    allowed = SCHULDEISER_FIELDS.get(EventType(soort), ())
    return {key: value for key, value in gegevens.items() if key in allowed}


@dataclass(frozen=True)
class Sight:
    """What one party may see of a referral it can read."""

    status: Callable[[str], str]
    # the clocks (Klokken fields) it is shown; when the person was contacted is not the creditor's
    # to know, whether the promise was kept is
    klokken: frozenset[str]
    # the gemeente and uitvoerder after a re-routing, and the address the person moved to; the
    # creditor keeps seeing where it referred to, since a re-routing would tell it the person moved
    current_assignment: bool


SIGHT: dict[Rol, Sight] = {
    Rol.SCHULDEISER: Sight(
        status=partner_status, klokken=frozenset({"contact_termijn"}), current_assignment=False
    ),
    Rol.UITVOERDER: Sight(
        status=str,
        klokken=frozenset(
            {
                "contact_termijn",
                # the moment the clocks count from says whether the referral was routed again
                "klokken_vanaf",
                "klokken_vanaf_reden",
                "werkdagen_tot_opgepakt",
                "werkdagen_tot_eerste_contactpoging",
                "werkdagen_tot_contact",
                "werkdagen_tot_hulp_aangeboden",
                "werkdagen_tot_hulp_geaccepteerd",
            }
        ),
        current_assignment=True,
    ),
}


def party(organisatie_id: uuid.UUID, *, schuldeiser_id: uuid.UUID, uitvoerder_id: uuid.UUID) -> Rol | None:
    """The side an organisation is on for one referral; None when it may not see it at all."""
    if organisatie_id == schuldeiser_id:
        return Rol.SCHULDEISER
    if organisatie_id == uitvoerder_id:
        return Rol.UITVOERDER
    return None


def timeline_entry(
    rol: Rol,
    *,
    soort: str,
    gegevens: Mapping[str, Any],
    actor_id: uuid.UUID | None,
    viewer_id: uuid.UUID,
    schuldeiser_id: uuid.UUID,
) -> dict[str, Any] | None:
    """The details of one history entry as `rol` may see them; None when it is not shown at all."""
    if rol is Rol.SCHULDEISER:
        return schuldeiser_gegevens(soort, gegevens) if schuldeiser_sees(soort) else None
    if actor_id not in (viewer_id, schuldeiser_id, None):  # an uitvoerder before a re-routing
        return {key: value for key, value in gegevens.items() if key != INTERNAL_NOTE}
    return dict(gegevens)


@dataclass(frozen=True)
class Recipient:
    organisatie_id: uuid.UUID
    status: str  # the status as the recipient may see it
    gemeentecode: str  # the gemeente as the recipient may see it
    dataref: str  # where it fetches the details, with its own credentials


def recipients(
    soort: EventType,
    *,
    doorverwijzing_id: uuid.UUID,
    status: str,
    gemeentecode: str,
    referred_gemeentecode: str,
    schuldeiser_id: uuid.UUID,
    uitvoerder_id: uuid.UUID,
    actor_id: uuid.UUID | None,
) -> list[Recipient]:
    """Who is told of an event: the creditor of creditor-visible kinds (with the partner-visible
    status and the gemeente it referred to), the uitvoerder of the kinds its system acts on;
    nobody of what it did itself."""
    path = f"/v1/doorverwijzingen/{doorverwijzing_id}"
    told = []
    if soort in SCHULDEISER_EVENTS:
        told.append(
            Recipient(schuldeiser_id, partner_status(status), referred_gemeentecode, f"{path}/terugmelding")
        )
    if soort in UITVOERDER_EVENTS:
        told.append(Recipient(uitvoerder_id, status, gemeentecode, path))
    return [recipient for recipient in told if recipient.organisatie_id != actor_id]
