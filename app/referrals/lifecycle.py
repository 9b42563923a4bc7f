"""The lifecycle of a referral as one explicit transition table (pure).

Steps may be skipped forward; the side exits (niet_opgepakt, niet_bereikt, ingetrokken) are open
from every open state; a closed referral never changes again.
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


S = Status
_SIDE_EXITS = frozenset({S.NIET_OPGEPAKT, S.NIET_BEREIKT, S.INGETROKKEN})

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
    | _SIDE_EXITS,
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
    | _SIDE_EXITS,
    S.OPGEPAKT: frozenset(
        {S.CONTACT_GELEGD, S.HULP_AANGEBODEN, S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN}
    )
    | _SIDE_EXITS,
    S.CONTACT_GELEGD: frozenset({S.HULP_AANGEBODEN, S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN})
    | _SIDE_EXITS,
    S.HULP_AANGEBODEN: frozenset({S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD, S.AFGESLOTEN}) | _SIDE_EXITS,
    S.HULP_GEACCEPTEERD: frozenset({S.AFGESLOTEN}) | _SIDE_EXITS,
    S.HULP_GEWEIGERD: frozenset({S.AFGESLOTEN}) | _SIDE_EXITS,
    S.AFGESLOTEN: frozenset(),
    S.NIET_OPGEPAKT: frozenset(),
    S.NIET_BEREIKT: frozenset(),
    S.INGETROKKEN: frozenset(),
}

CLOSED = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)


def is_open(status: Status) -> bool:
    return status not in CLOSED


def allowed_next(status: Status) -> frozenset[Status]:
    return TRANSITIONS[status]


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]
