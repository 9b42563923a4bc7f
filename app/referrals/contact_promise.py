"""The contact promise (pure): which contact attempts keep it, and whether it was kept.

The gemeente promises a first contact attempt by the end of the 3rd working day after the clocks
started (`clocks.contact_uiterlijk`). The promise is kept by an attempt addressed to the resident,
whether or not it reached them: reaching the person is measured separately (contact_gelegd).
"""

from datetime import date
from enum import StrEnum

from app.referrals.lifecycle import Reden, Status, is_open

# The kinds of contact attempt (DDAS v1.2 EnumContactsoort) that are contact with the resident.
#
# - Telefoon, SMS/Whatsapp, Mail, Brief, Kaartje (a card through the door, usually after a home
#   visit found nobody in), Huisbezoek and Afspraak op locatie are each addressed to the resident.
# - Overige counts too: DDAS defines every contactpoging as what the gemeente does to get in touch
#   with the resident, and gives the steps that are not that a code of their own. Overige is such
#   an attempt by a means without a code (a chat, a visit together with a partner organisation);
#   refusing it would only push uitvoerders to a wrong code.
# - Administratief does not: a step about the resident rather than to them (a records check, a
#   case note, a call with the creditor).
# - Onbekend does not: nobody can tell whether it was addressed to the resident, and the promise
#   is evaluated on what was recorded.
CONTACT_MET_INWONER: frozenset[str] = frozenset(
    {
        "Afspraak op locatie",
        "Brief",
        "Huisbezoek",
        "Kaartje",
        "Mail",
        "Overige",
        "SMS/Whatsapp",
        "Telefoon",
    }
)


def houdt_belofte(soort: str) -> bool:
    """Whether a contact attempt of this kind keeps the contact promise."""
    return soort in CONTACT_MET_INWONER


class ContactTermijn(StrEnum):
    """Whether the contact promise was kept (`contactTermijn` on the wire)."""

    GEHAALD = "gehaald"
    NIET_GEHAALD = "niet_gehaald"
    NIET_VAN_TOEPASSING = "niet_van_toepassing"
    OPEN = "open"


# A referral closed with one of these (as reden of niet_opgepakt, or as the eindresultaat of the
# same words) on or before the deadline owed nobody a contact attempt: the person is already in
# debt help, died or moved away, or the signal was a mistake or a repeat of one being handled.
# "Niet opgepakt: andere reden" is not among them: a gemeente that decides not to take a referral
# up for a reason it does not name has not been released from the promise.
ZONDER_CONTACTPLICHT: frozenset[str] = frozenset(
    {
        Reden.AL_BEKEND,
        Reden.OVERLEDEN,
        Reden.HERHAALDE_MELDING,
        Reden.ONTERECHT_SIGNAAL,
        Reden.GEEN_INWONER,
    }
)


def contacttermijn(
    *,
    eerste_contact: date | None,
    uiterlijk: date,
    vandaag: date,
    status: Status,
    gesloten_op: date | None = None,
    sluitreden: str | None = None,
) -> ContactTermijn:
    """gehaald: the first attempt that keeps the promise was on or before the deadline;
    niet_gehaald: it was later, or the deadline passed (or the referral closed) without one;
    niet_van_toepassing: withdrawn, or closed for a reason that owes no contact, on or before the
    deadline and before any attempt; open: it can still be kept."""
    if eerste_contact is not None:
        return ContactTermijn.GEHAALD if eerste_contact <= uiterlijk else ContactTermijn.NIET_GEHAALD
    if (
        gesloten_op is not None
        and gesloten_op <= uiterlijk
        and (status is Status.INGETROKKEN or sluitreden in ZONDER_CONTACTPLICHT)
    ):
        return ContactTermijn.NIET_VAN_TOEPASSING
    if vandaag > uiterlijk or not is_open(status):
        return ContactTermijn.NIET_GEHAALD
    return ContactTermijn.OPEN
