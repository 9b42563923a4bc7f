"""The states of a delivery and the moves between them (pure)."""

from enum import StrEnum


class BezorgStatus(StrEnum):
    WACHTEND = "wachtend"  # due at volgende_poging_op
    BEZIG = "bezig"  # claimed by a worker until geclaimd_tot
    AFGELEVERD = "afgeleverd"  # the receiver answered 2xx (and a peer accepted it)
    MISLUKT = "mislukt"  # every attempt failed, or its subscription was disabled: replayable


S = BezorgStatus

TRANSITIONS: dict[BezorgStatus, frozenset[BezorgStatus]] = {
    S.WACHTEND: frozenset({S.BEZIG, S.MISLUKT}),  # claimed; the subscription disabled
    # booked after an attempt, or claimed again once a vanished worker's lease passed
    S.BEZIG: frozenset({S.AFGELEVERD, S.WACHTEND, S.MISLUKT, S.BEZIG}),
    S.AFGELEVERD: frozenset(),
    S.MISLUKT: frozenset({S.WACHTEND}),  # replayed
}

PENDING = frozenset({S.WACHTEND, S.BEZIG})  # still on its way: later events of the referral wait


class IllegalMove(ValueError):
    """A delivery was moved against the table: a fault in the service, never the receiver's."""


def check(current: str, target: BezorgStatus) -> BezorgStatus:
    """`target` when the table allows the move from `current`."""
    if target not in TRANSITIONS[BezorgStatus(current)]:
        raise IllegalMove(f"a delivery cannot move from {current} to {target.value}")
    return target


def sources_of(target: BezorgStatus) -> frozenset[BezorgStatus]:
    """The states a delivery may reach `target` from."""
    return frozenset(state for state, nexts in TRANSITIONS.items() if target in nexts)
