"""The contact promise (DESIGN §6): which contact attempts keep it, and whether it was kept. Pure.

A referral received on Monday 3 March 2025 is due contact by Thursday 6 March.
"""

import json
from datetime import date

import pytest

from app.config import PROJECT_ROOT
from app.referrals.contact_promise import (
    CONTACT_MET_INWONER,
    ZONDER_CONTACTPLICHT,
    ContactTermijn,
    contacttermijn,
    houdt_belofte,
)
from app.referrals.lifecycle import CLOSED, Reden, Status

UITERLIJK = date(2025, 3, 6)
EERDER, OP_DE_DAG, LATER = date(2025, 3, 4), UITERLIJK, date(2025, 3, 7)
G = ContactTermijn
SCHEMAS = PROJECT_ROOT / "schemas" / "json"
CONTACTSOORTEN = json.loads((SCHEMAS / "statusmelding.v1.json").read_text("utf-8"))["$defs"][
    "EnumContactsoort"
]
TERMIJNEN = json.loads((SCHEMAS / "terugmelding.v1.json").read_text("utf-8"))["$defs"]["ContactTermijn"]


def termijn(
    *,
    eerste_contact: date | None = None,
    vandaag: date = EERDER,
    status: Status = Status.OPGEPAKT,
    gesloten_op: date | None = None,
    sluitreden: str | None = None,
) -> ContactTermijn:
    return contacttermijn(
        eerste_contact=eerste_contact,
        uiterlijk=UITERLIJK,
        vandaag=vandaag,
        status=status,
        gesloten_op=gesloten_op,
        sluitreden=sluitreden,
    )


# --- which attempts count -----------------------------------------------------------------------


@pytest.mark.parametrize("soort", ["Administratief", "Onbekend"])
def test_an_administrative_or_unknown_attempt_does_not_keep_the_promise(soort: str) -> None:
    assert not houdt_belofte(soort)


@pytest.mark.parametrize(
    "soort",
    ["Afspraak op locatie", "Brief", "Huisbezoek", "Kaartje", "Mail", "Overige", "SMS/Whatsapp", "Telefoon"],
)
def test_an_attempt_addressed_to_the_resident_keeps_the_promise(soort: str) -> None:
    assert houdt_belofte(soort)


def test_the_rule_names_only_kinds_of_the_ddas_vocabulary() -> None:
    assert set(CONTACT_MET_INWONER) < set(CONTACTSOORTEN["enum"])
    assert set(CONTACTSOORTEN["enum"]) - CONTACT_MET_INWONER == {"Administratief", "Onbekend"}


# --- whether it was kept ------------------------------------------------------------------------


@pytest.mark.parametrize("eerste", [EERDER, OP_DE_DAG])
def test_a_first_contact_on_or_before_the_deadline_keeps_it(eerste: date) -> None:
    assert termijn(eerste_contact=eerste, vandaag=LATER) is G.GEHAALD


def test_a_first_contact_after_the_deadline_misses_it() -> None:
    assert termijn(eerste_contact=LATER, vandaag=LATER) is G.NIET_GEHAALD


def test_it_is_open_until_the_deadline_has_passed() -> None:
    assert termijn(vandaag=OP_DE_DAG) is G.OPEN


def test_the_day_after_the_deadline_without_contact_it_is_missed() -> None:
    assert termijn(vandaag=LATER) is G.NIET_GEHAALD


@pytest.mark.parametrize("gesloten_op", [EERDER, OP_DE_DAG])
def test_a_referral_withdrawn_before_the_deadline_owed_no_contact(gesloten_op: date) -> None:
    result = termijn(status=Status.INGETROKKEN, gesloten_op=gesloten_op, sluitreden="betaald", vandaag=LATER)

    assert result is G.NIET_VAN_TOEPASSING


def test_a_referral_withdrawn_after_a_missed_deadline_still_missed_it() -> None:
    assert termijn(status=Status.INGETROKKEN, gesloten_op=LATER, vandaag=LATER) is G.NIET_GEHAALD


def test_a_referral_withdrawn_after_contact_in_time_kept_it() -> None:
    result = termijn(eerste_contact=EERDER, status=Status.INGETROKKEN, gesloten_op=EERDER, vandaag=LATER)

    assert result is G.GEHAALD


@pytest.mark.parametrize("reden", sorted(ZONDER_CONTACTPLICHT))
@pytest.mark.parametrize("status", [Status.NIET_OPGEPAKT, Status.AFGESLOTEN])
def test_a_referral_closed_before_the_deadline_for_a_reason_that_owes_no_contact_is_not_applicable(
    reden: str, status: Status
) -> None:
    assert (
        termijn(status=status, gesloten_op=EERDER, sluitreden=reden, vandaag=LATER) is G.NIET_VAN_TOEPASSING
    )


def test_the_reasons_that_owe_no_contact_are_already_known_died_moved_wrong_or_repeated() -> None:
    assert frozenset({Reden.ANDERE_REDEN}) == frozenset(Reden) - ZONDER_CONTACTPLICHT


def test_not_taking_a_referral_up_for_another_reason_does_not_release_the_promise() -> None:
    result = termijn(
        status=Status.NIET_OPGEPAKT, gesloten_op=EERDER, sluitreden=Reden.ANDERE_REDEN, vandaag=EERDER
    )

    assert result is G.NIET_GEHAALD


def test_closing_for_such_a_reason_after_the_deadline_does_not_undo_a_miss() -> None:
    result = termijn(
        status=Status.NIET_OPGEPAKT, gesloten_op=LATER, sluitreden=Reden.OVERLEDEN, vandaag=LATER
    )

    assert result is G.NIET_GEHAALD


@pytest.mark.parametrize("status", sorted(CLOSED - {Status.INGETROKKEN}))
def test_a_referral_closed_before_the_deadline_without_contact_or_such_a_reason_missed_it(
    status: Status,
) -> None:
    assert termijn(status=status, gesloten_op=EERDER, vandaag=EERDER) is G.NIET_GEHAALD


def test_the_four_values_are_those_of_the_terugmelding() -> None:
    assert [g.value for g in ContactTermijn] == TERMIJNEN["enum"]
