"""What a creditor may learn of a referral (DESIGN §7), defined here and nowhere else (pure).

The uitvoerder sees everything about referrals routed to it. The creditor sees the status and a
whitelist of fields per kind of event: never a reason for not taking a referral up, an end result,
an internal note or the details of a contact attempt.
"""

from enum import StrEnum
from typing import Any

from app.referrals.lifecycle import Status


class Soort(StrEnum):
    """Kinds of history entries, which are also the event types sent out."""

    ONTVANGEN = "ontvangen"
    STATUS_GEWIJZIGD = "status-gewijzigd"
    CONTACTPOGING = "contactpoging"
    HERINGEDEELD = "heringedeeld"
    INGETROKKEN = "ingetrokken"
    BETALINGSHERSTEL = "betalingsherstel"
    VERLENGING_GEVRAAGD = "verlenging-gevraagd"
    VERLENGING_BEANTWOORD = "verlenging-beantwoord"
    CONTACTTERMIJN_VERSTREKEN = "contacttermijn-verstreken"
    INCASSOSTOP_VERLOOPT_BINNENKORT = "incassostop-verloopt-binnenkort"
    INCASSOSTOP_VERLOPEN = "incassostop-verlopen"


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
CREDITOR_FIELDS: dict[Soort, tuple[str, ...]] = {
    Soort.ONTVANGEN: (),
    Soort.STATUS_GEWIJZIGD: (),
    Soort.INGETROKKEN: ("reden", "toelichting"),
    Soort.BETALINGSHERSTEL: ("soort", "datum", "toelichting"),
    Soort.VERLENGING_GEVRAAGD: ("verzoekId", "gevraagdTot", "motivering"),
    Soort.VERLENGING_BEANTWOORD: ("verzoekId", "akkoord", "nieuweEinddatum", "toelichting"),
    Soort.CONTACTTERMIJN_VERSTREKEN: ("contactUiterlijk",),
    Soort.INCASSOSTOP_VERLOOPT_BINNENKORT: ("incassostopTot",),
    Soort.INCASSOSTOP_VERLOPEN: ("incassostopTot",),
}

# Events an uitvoerder's system is sent (it is never sent what it did itself).
UITVOERDER_EVENTS = frozenset(
    {
        Soort.ONTVANGEN,
        Soort.INGETROKKEN,
        Soort.BETALINGSHERSTEL,
        Soort.VERLENGING_BEANTWOORD,
        Soort.CONTACTTERMIJN_VERSTREKEN,
        Soort.INCASSOSTOP_VERLOOPT_BINNENKORT,
        Soort.INCASSOSTOP_VERLOPEN,
    }
)
CREDITOR_EVENTS = frozenset(CREDITOR_FIELDS) - {Soort.ONTVANGEN}


def partner_status(status: str) -> str:
    return PARTNER_STATUS[Status(status)].value


def creditor_sees(soort: str) -> bool:
    return Soort(soort) in CREDITOR_FIELDS


def creditor_gegevens(soort: str, gegevens: dict[str, Any]) -> dict[str, Any]:
    """The part of an event's details that a creditor may see (empty for invisible kinds)."""
    allowed = CREDITOR_FIELDS.get(Soort(soort), ())
    return {key: value for key, value in gegevens.items() if key in allowed}
