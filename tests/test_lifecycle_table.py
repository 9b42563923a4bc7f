"""The lifecycle of a referral as a table (DESIGN §5) and what a creditor may learn of it (§7). Pure."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from app.config import PROJECT_ROOT
from app.outbox import EventType
from app.referrals.lifecycle import (
    CLOSED,
    NA_CONTACT,
    TRANSITIONS,
    VOOR_CONTACT,
    Eindresultaat,
    Reden,
    Status,
    allowed_eindresultaten,
    allowed_next,
    allowed_redenen,
    can_move,
    fits,
    is_open,
)
from app.referrals.models import Doorverwijzing
from app.referrals.projection import (
    PARTNER_STATUS,
    SCHULDEISER_EVENTS,
    partner_status,
    schuldeiser_gegevens,
    schuldeiser_sees,
)
from app.referrals.views import terugmelding

S = Status
E = Eindresultaat
OPEN = [status for status in Status if status not in CLOSED]
SIDE_EXITS = (S.NIET_OPGEPAKT, S.INGETROKKEN)
ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in sorted(targets)]
FORBIDDEN = [
    (S.CONTACT_GELEGD, S.OPGEPAKT),
    (S.HULP_AANGEBODEN, S.CONTACT_GELEGD),
    (S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD),
    (S.HULP_GEWEIGERD, S.HULP_AANGEBODEN),
    *[(reached, S.NIET_BEREIKT) for reached in sorted(NA_CONTACT)],
    (S.HULP_GEACCEPTEERD, S.HULP_AANGEBODEN),
    (S.OPGEPAKT, S.AFGELEVERD),
    (S.AFGELEVERD, S.ONTVANGEN),
    (S.OPGEPAKT, S.OPGEPAKT),
    *[(closed, target) for closed in sorted(CLOSED) for target in Status],
]


def _id(pair: tuple[Status, Status]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


@pytest.mark.parametrize("pair", ALLOWED, ids=_id)
def test_every_transition_in_the_table_is_allowed(pair: tuple[Status, Status]) -> None:
    assert can_move(*pair)


@pytest.mark.parametrize("pair", FORBIDDEN, ids=_id)
def test_going_back_sideways_or_out_of_a_closed_state_is_not_allowed(pair: tuple[Status, Status]) -> None:
    assert not can_move(*pair)


def test_the_closed_states_are_the_end_result_and_the_side_exits() -> None:
    assert {S.AFGESLOTEN, S.NIET_OPGEPAKT, S.NIET_BEREIKT, S.INGETROKKEN} == CLOSED


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_a_closed_referral_has_no_next_state(status: Status) -> None:
    assert allowed_next(status) == frozenset()
    assert not is_open(status)


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("status", OPEN)
def test_niet_opgepakt_and_ingetrokken_are_open_from_every_open_state(status: Status) -> None:
    assert is_open(status)
    assert all(can_move(status, exit_) for exit_ in SIDE_EXITS)


@pytest.mark.parametrize("status", sorted(VOOR_CONTACT))
def test_niet_bereikt_is_open_to_someone_never_reached(status: Status) -> None:
    assert can_move(status, S.NIET_BEREIKT)


@pytest.mark.parametrize("status", sorted(NA_CONTACT))
def test_someone_already_reached_is_never_niet_bereikt(status: Status) -> None:
    assert not can_move(status, S.NIET_BEREIKT)


def test_someone_who_refused_help_may_still_accept_it() -> None:
    assert can_move(S.HULP_GEWEIGERD, S.HULP_GEACCEPTEERD)


def test_the_open_states_are_those_before_and_those_after_contact() -> None:
    assert set(OPEN) == VOOR_CONTACT | NA_CONTACT
    assert not VOOR_CONTACT & NA_CONTACT


@pytest.mark.parametrize("status", OPEN)
def test_an_open_referral_can_always_be_closed_with_an_end_result(status: Status) -> None:
    assert can_move(status, S.AFGESLOTEN)


def test_steps_may_be_skipped_forward() -> None:
    assert can_move(S.OPGEPAKT, S.AFGESLOTEN)
    assert can_move(S.ONTVANGEN, S.CONTACT_GELEGD)
    assert can_move(S.AFGELEVERD, S.HULP_AANGEBODEN)


@pytest.mark.parametrize("status", list(Status))
def test_no_state_moves_to_itself(status: Status) -> None:
    assert not can_move(status, status)


# --- outcomes that fit the path -----------------------------------------------------------

NIET_OPGEPAKT_RESULTATEN = [E.ANDERE_REDEN, E.HERHAALDE_MELDING, E.ONTERECHT_SIGNAAL, E.AL_BEKEND]
HULP_RESULTATEN = [E.BUDGETADVIES, E.VERVOLGHULP, E.VERVOLGHULP_FINANCIEEL, E.VERVOLGHULP_NIET_FINANCIEEL]


def _spec_enum(message: str, definition: str) -> set[str]:
    schema = json.loads((PROJECT_ROOT / "schemas" / "json" / f"{message}.v1.json").read_text("utf-8"))
    return set(schema["$defs"][definition]["enum"])


def test_the_end_results_are_the_ddas_vocabulary_of_the_specification() -> None:
    assert {e.value for e in Eindresultaat} == _spec_enum("statusmelding", "EnumEindresultaat")


def test_the_reasons_are_the_ddas_vocabulary_of_the_specification() -> None:
    assert {r.value for r in Reden} == _spec_enum("statusmelding", "RedenNietOpgepakt")


@pytest.mark.parametrize("status", OPEN)
def test_every_open_state_can_be_closed_with_some_end_result(status: Status) -> None:
    assert allowed_eindresultaten(status)


def test_every_end_result_fits_somewhere_on_the_path() -> None:
    assert set().union(*(allowed_eindresultaten(status) for status in OPEN)) == set(Eindresultaat)


@pytest.mark.parametrize("status", sorted(CLOSED))
def test_a_closed_referral_takes_no_end_result_or_reason(status: Status) -> None:
    assert allowed_eindresultaten(status) == frozenset()
    assert allowed_redenen(status) == frozenset()


@pytest.mark.parametrize("status", sorted(NA_CONTACT))
@pytest.mark.parametrize("resultaat", [*NIET_OPGEPAKT_RESULTATEN, E.GEEN_CONTACT, E.ZONDER_TUSSENKOMST])
def test_after_contact_no_referral_ends_as_not_taken_up_or_never_reached(
    status: Status, resultaat: Eindresultaat
) -> None:
    assert not fits(status, S.AFGESLOTEN, eindresultaat=resultaat)


@pytest.mark.parametrize("status", sorted(VOOR_CONTACT))
@pytest.mark.parametrize("resultaat", [*HULP_RESULTATEN, E.GEEN_REACTIE, E.REGELT_HET_ZELF])
def test_before_contact_no_referral_ends_with_help_advice_or_what_the_person_said(
    status: Status, resultaat: Eindresultaat
) -> None:
    assert not fits(status, S.AFGESLOTEN, eindresultaat=resultaat)


def test_someone_who_stops_responding_after_accepting_ends_as_no_response_after_contact() -> None:
    assert fits(S.HULP_GEACCEPTEERD, S.AFGESLOTEN, eindresultaat=E.GEEN_REACTIE)
    assert not can_move(S.HULP_GEACCEPTEERD, S.NIET_BEREIKT)


@pytest.mark.parametrize(
    "resultaat", [E.VERVOLGHULP, E.VERVOLGHULP_FINANCIEEL, E.VERVOLGHULP_NIET_FINANCIEEL]
)
def test_follow_up_help_after_a_refusal_needs_accepting_first(resultaat: Eindresultaat) -> None:
    assert not fits(S.HULP_GEWEIGERD, S.AFGESLOTEN, eindresultaat=resultaat)
    assert fits(S.HULP_GEACCEPTEERD, S.AFGESLOTEN, eindresultaat=resultaat)


@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("resultaat", [E.OVERLEDEN, E.GEEN_INWONER])
def test_death_or_a_move_can_end_a_referral_anywhere_on_the_path(
    status: Status, resultaat: Eindresultaat
) -> None:
    assert fits(status, S.AFGESLOTEN, eindresultaat=resultaat)


@pytest.mark.parametrize("status", sorted(VOOR_CONTACT))
def test_before_contact_every_reason_for_niet_opgepakt_fits(status: Status) -> None:
    assert allowed_redenen(status) == frozenset(Reden)


@pytest.mark.parametrize("status", sorted(NA_CONTACT))
def test_after_contact_only_a_move_marks_a_referral_niet_opgepakt(status: Status) -> None:
    assert allowed_redenen(status) == frozenset({Reden.GEEN_INWONER})
    assert not fits(status, S.NIET_OPGEPAKT, reden=Reden.ANDERE_REDEN)


# --- what the creditor sees ---------------------------------------------------------------


def test_every_status_has_a_partner_visible_form() -> None:
    assert set(PARTNER_STATUS) == set(Status)


@pytest.mark.parametrize("status", list(Status))
def test_the_creditor_learns_each_status_as_itself(status: Status) -> None:
    assert partner_status(status.value) == status.value


@pytest.mark.parametrize("status", list(Status))
def test_the_terugmelding_shows_each_status(status: Status) -> None:
    stored = Doorverwijzing(
        id=uuid.uuid4(),
        referentie="WV-1",
        status=status.value,
        status_sinds=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        laatste_volgnummer=3,
        incassostop_tot=date(2026, 12, 2),
        contact_uiterlijk=date(2026, 11, 5),
        eerste_contactpoging_op=None,
    )

    message = terugmelding(stored, now=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))

    assert message["status"] == status.value
    assert "reden" not in message
    assert "eindresultaat" not in message


# A creditor's own fields come back to it (the reden of its Intrekking); an uitvoerder's never do.
UITVOERDER_DETAILS = {
    "reden": "Niet opgepakt: andere reden",
    "eindresultaat": "Inwoner is overleden",
    "interneToelichting": "Zit in de schuldsanering",
    "contactpoging": {"soort": "Huisbezoek", "bereikt": True, "datum": "2026-11-02"},
    "soort": "Huisbezoek",
    "bereikt": True,
    "dagdeel": "Avond",
    "herindeling": "kon niet worden gerouteerd",
    "van": {"gemeentecode": "0363"},
    "naarUitvoerderId": "a7f0",
}
CREDITORS_OWN = {EventType.INGETROKKEN: {"reden"}, EventType.BETALINGSHERSTEL: {"soort"}}


@pytest.mark.parametrize("soort", list(EventType))
def test_the_creditor_never_gets_an_uitvoerders_reason_result_note_or_contact_attempt(
    soort: EventType,
) -> None:
    shown = schuldeiser_gegevens(soort.value, UITVOERDER_DETAILS)

    assert set(shown) <= CREDITORS_OWN.get(soort, set())


def test_contact_attempts_are_invisible_to_the_creditor() -> None:
    assert not schuldeiser_sees(EventType.CONTACTPOGING.value)
    assert EventType.CONTACTPOGING not in SCHULDEISER_EVENTS
    assert schuldeiser_gegevens(EventType.CONTACTPOGING.value, {"soort": "Telefoon", "bereikt": False}) == {}


def test_the_creditor_sees_a_status_change_without_its_details() -> None:
    gegevens = {"reden": "Niet opgepakt: andere reden", "interneToelichting": "intern"}

    assert schuldeiser_sees(EventType.STATUS_GEWIJZIGD.value)
    assert schuldeiser_gegevens(EventType.STATUS_GEWIJZIGD.value, gegevens) == {}


def test_the_creditor_is_not_told_that_a_referral_was_routed_elsewhere() -> None:
    gegevens = {
        "reden": "Persoon is geen inwoner (meer) in de gemeente",
        "van": {"gemeentecode": "0363"},
        "naarGemeente": {"code": "0281", "naam": "Tiel"},
        "naarUitvoerderId": "a7f0",
    }

    assert schuldeiser_gegevens(EventType.HERINGEDEELD.value, gegevens) == {}
    assert not schuldeiser_sees(EventType.HERINGEDEELD.value)
