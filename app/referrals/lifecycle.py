"""The lifecycle of a referral as one explicit transition table (pure), with the outcomes that fit
each point of the path.

Steps may be skipped forward; someone who refused help may still accept it. Of the side exits,
niet_opgepakt and ingetrokken are open from every open state, niet_bereikt only before the person
was reached (someone who stops responding after contact is closed as afgesloten with "Geen
reactie na eerder contact"). A closed referral never changes again.

Which end result (DDAS EnumEindresultaat) may close a referral, and which reason (DDAS
EnumSignaalstatus) may mark it niet_opgepakt, depends on where it is on the path: no "Niet
opgepakt: …" or "Definitief geen contact kunnen krijgen" once the person was reached, no help or
advice given before.
"""

from enum import StrEnum


class Status(StrEnum):
    ONTVANGEN = "ontvangen"
    AFGELEVERD = "afgeleverd"
    OPGEPAKT = "opgepakt"
    CONTACT_GELEGD = "contact_gelegd"
    HULP_AANGEBODEN = "hulp_aangeboden"
    HULP_GEACCEPTEERD = "hulp_geaccepteerd"
    HULP_GEWEIGERD = "hulp_geweigerd"
    AFGESLOTEN = "afgesloten"
    NIET_OPGEPAKT = "niet_opgepakt"
    NIET_BEREIKT = "niet_bereikt"
    INGETROKKEN = "ingetrokken"


class Eindresultaat(StrEnum):
    """DDAS v1.2 EnumEindresultaat: how a referral closed as afgesloten ended."""

    BUDGETADVIES = "(Budget)advies en/of quick fix"
    GEEN_CONTACT = "Definitief geen contact kunnen krijgen"
    GEEN_REACTIE = "Geen reactie na eerder contact"
    AL_BEKEND = "Inwoner al bekend bij schuldhulpverlening"
    ANDER_TRAJECT = "Inwoner heeft al een ander lopend traject"
    ZELF_BETAALD = "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
    OVERLEDEN = "Inwoner is overleden"
    REGELT_HET_ZELF = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
    ANDERE_REDEN = "Niet opgepakt: andere reden"
    HERHAALDE_MELDING = "Niet opgepakt: herhaalde melding"
    ONTERECHT_SIGNAAL = "Niet opgepakt: onterecht signaal"
    GEEN_INWONER = "Persoon is geen inwoner (meer) in de gemeente"
    VERVOLGHULP = "Vervolghulp en/of verwijzing"
    VERVOLGHULP_FINANCIEEL = "Vervolghulp en/of verwijzing financieel"
    VERVOLGHULP_NIET_FINANCIEEL = "Vervolghulp en/of verwijzing niet financieel"
    ZONDER_TUSSENKOMST = "Verwijzing zonder tussenkomst inwoner"


class Reden(StrEnum):
    """Why a referral was not taken up: DDAS v1.2 EnumSignaalstatus without "Nog niet opgepakt"
    and "Opgepakt"."""

    AL_BEKEND = "Inwoner al bekend bij schuldhulpverlening"
    OVERLEDEN = "Inwoner is overleden"
    ANDERE_REDEN = "Niet opgepakt: andere reden"
    HERHAALDE_MELDING = "Niet opgepakt: herhaalde melding"
    ONTERECHT_SIGNAAL = "Niet opgepakt: onterecht signaal"
    GEEN_INWONER = "Persoon is geen inwoner (meer) in de gemeente"


S = Status
E = Eindresultaat

# before the person was reached, and after
VOOR_CONTACT = frozenset({S.ONTVANGEN, S.AFGELEVERD, S.OPGEPAKT})
NA_CONTACT = frozenset({S.CONTACT_GELEGD, S.HULP_AANGEBODEN, S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD})

_SIDE_EXITS = frozenset({S.NIET_OPGEPAKT, S.INGETROKKEN})
_NEVER_REACHED = frozenset({S.NIET_BEREIKT})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.ONTVANGEN: frozenset(
        {
            S.AFGELEVERD,
            S.OPGEPAKT,
            S.CONTACT_GELEGD,
            S.HULP_AANGEBODEN,
            S.HULP_GEACCEPTEERD,
            S.HULP_GEWEIGERD,
            S.AFGESLOTEN,
        }
    )
    | _SIDE_EXITS
    | _NEVER_REACHED,
    S.AFGELEVERD: frozenset(
        {
            S.OPGEPAKT,
            S.CONTACT_GELEGD,
            S.HULP_AANGEBODEN,
            S.HULP_GEACCEPTEERD,
            S.HULP_GEWEIGERD,
            S.AFGESLOTEN,
        }
    )
    | _SIDE_EXITS
    | _NEVER_REACHED,
    S.OPGEPAKT: frozenset(
        {S.CONTACT_GELEGD, S.HULP_AANGEBODEN, S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN}
    )
    | _SIDE_EXITS
    | _NEVER_REACHED,
    S.CONTACT_GELEGD: frozenset({S.HULP_AANGEBODEN, S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN})
    | _SIDE_EXITS,
    S.HULP_AANGEBODEN: frozenset({S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN}) | _SIDE_EXITS,
    S.HULP_GEACCEPTEERD: frozenset({S.AFGESLOTEN}) | _SIDE_EXITS,
    # someone who refused help may come back and accept it
    S.HULP_GEWEIGERD: frozenset({S.HULP_GEACCEPTEERD, S.AFGESLOTEN}) | _SIDE_EXITS,
    S.AFGESLOTEN: frozenset(),
    S.NIET_OPGEPAKT: frozenset(),
    S.NIET_BEREIKT: frozenset(),
    S.INGETROKKEN: frozenset(),
}

CLOSED = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)

# --- the end results that fit the path --------------------------------------------------------

# can be known at any point: the person died or moved away
_ALTIJD = frozenset({E.OVERLEDEN, E.GEEN_INWONER})
# the signal was not taken up, or was settled without the person: from the gemeente's records or
# the creditor (another trajectory, paid already; these can also come out of a conversation)
_ZONDER_CONTACT = frozenset(
    {
        E.AL_BEKEND,
        E.ANDERE_REDEN,
        E.HERHAALDE_MELDING,
        E.ONTERECHT_SIGNAAL,
        E.GEEN_CONTACT,
        E.ZONDER_TUSSENKOMST,
        E.ANDER_TRAJECT,
        E.ZELF_BETAALD,
    }
)
# what a conversation with the person leads to, besides follow-up help
_NA_GESPREK = frozenset({E.BUDGETADVIES, E.GEEN_REACTIE, E.ANDER_TRAJECT, E.ZELF_BETAALD, E.REGELT_HET_ZELF})
_VERVOLGHULP = frozenset({E.VERVOLGHULP, E.VERVOLGHULP_FINANCIEEL, E.VERVOLGHULP_NIET_FINANCIEEL})

EINDRESULTATEN: dict[Status, frozenset[Eindresultaat]] = {
    **{status: _ALTIJD | _ZONDER_CONTACT for status in VOOR_CONTACT},
    S.CONTACT_GELEGD: _ALTIJD | _NA_GESPREK | _VERVOLGHULP,
    S.HULP_AANGEBODEN: _ALTIJD | _NA_GESPREK | _VERVOLGHULP,
    # accepted help, then follow-up help, advice, or no response any more
    S.HULP_GEACCEPTEERD: _ALTIJD | _NA_GESPREK | _VERVOLGHULP,
    # refused help: follow-up help only after accepting it after all (hulp_geaccepteerd first)
    S.HULP_GEWEIGERD: _ALTIJD | _NA_GESPREK,
}

# --- the reasons for niet_opgepakt that fit the path ------------------------------------------

# Once the person was reached the referral was taken up; only a move still ends it as not taken
# up here, because that is how the uitvoerder routes it to the resident's new gemeente.
REDENEN: dict[Status, frozenset[Reden]] = {
    **{status: frozenset(Reden) for status in VOOR_CONTACT},
    **{status: frozenset({Reden.GEEN_INWONER}) for status in NA_CONTACT},
}


def is_open(status: Status) -> bool:
    return status not in CLOSED


def allowed_next(status: Status) -> frozenset[Status]:
    return TRANSITIONS[status]


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def allowed_eindresultaten(status: Status) -> frozenset[Eindresultaat]:
    """The end results a referral in `status` may be closed with (none once it is closed)."""
    return EINDRESULTATEN.get(status, frozenset())


def allowed_redenen(status: Status) -> frozenset[Reden]:
    """The reasons a referral in `status` may be marked niet_opgepakt with."""
    return REDENEN.get(status, frozenset())


def fits(
    current: Status, target: Status, *, reden: str | None = None, eindresultaat: str | None = None
) -> bool:
    """Whether a move is in the table and its reason or end result fits the path so far."""
    if not can_move(current, target):
        return False
    if target is S.AFGESLOTEN and eindresultaat is not None:
        return eindresultaat in allowed_eindresultaten(current)
    if target is S.NIET_OPGEPAKT and reden is not None:
        return reden in allowed_redenen(current)
    return True
