"""The lifecycle of a referral through the API (DESIGN §5–§8): statuses, contact attempts,
re-routing, withdrawal, payment recovery, extensions, idempotency, XML and the outbox."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.config import PROJECT_ROOT
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.models import Gebeurtenis, Uitgaand
from app.referrals.lifecycle import CLOSED, TRANSITIONS, Status
from tests.conftest import Parties
from tests.lifecycle_helpers import (
    ANDERE_REDEN,
    GEEN_INWONER,
    REPORTABLE,
    as_xml,
    contactpoging,
    history,
    message,
    move_dates,
    move_to,
    outbox,
    post,
    report,
    report_status,
    send_referral,
    status_message,
    withdraw,
)

S = Status
PROBLEM = "urn:nld:warme-doorverwijzing:probleem:"
EVENT = "nl.schuldhulp.warme-doorverwijzing."
# every allowed transition whose source the API can reach: ontvangen, or any open reportable status
WALKABLE = [
    (source, target)
    for source, targets in TRANSITIONS.items()
    if source not in CLOSED and (source is S.ONTVANGEN or source in REPORTABLE)
    for target in sorted(targets)
]
FORBIDDEN = [
    (S.CONTACT_GELEGD, S.OPGEPAKT),
    (S.HULP_AANGEBODEN, S.CONTACT_GELEGD),
    (S.HULP_GEACCEPTEERD, S.HULP_GEWEIGERD),
    (S.HULP_GEWEIGERD, S.HULP_AANGEBODEN),
    (S.OPGEPAKT, S.AFGELEVERD),
    (S.AFGELEVERD, S.AFGELEVERD),
]


def _id(pair: tuple[Status, Status]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def _moved(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# --- transitions ----------------------------------------------------------------------------


def test_the_api_can_reach_every_open_state_from_ontvangen() -> None:
    assert {source for source, _ in WALKABLE} == set(TRANSITIONS) - CLOSED


@pytest.mark.parametrize("pair", WALKABLE, ids=_id)
async def test_every_allowed_transition_is_accepted(
    client: httpx.AsyncClient, parties: Parties, pair: tuple[Status, Status]
) -> None:
    source, target = pair
    path = await send_referral(client, parties.water)
    if source is not S.ONTVANGEN:
        _moved(await report_status(client, parties.amsterdam, path, source))

    response = await move_to(
        client, uitvoerder=parties.amsterdam, creditor=parties.water, path=path, status=target
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == target.value
    stored = await client.get(path, headers=parties.amsterdam.auth)
    assert stored.json()["status"] == target.value


@pytest.mark.parametrize("pair", FORBIDDEN, ids=_id)
async def test_a_forbidden_transition_is_409_naming_the_allowed_statuses(
    client: httpx.AsyncClient, parties: Parties, pair: tuple[Status, Status]
) -> None:
    source, target = pair
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, source))

    response = await report_status(client, parties.amsterdam, path, target)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == PROBLEM + "statusovergang-niet-toegestaan"
    assert problem["huidigeStatus"] == source.value
    assert problem["toegestaneStatussen"] == sorted(s.value for s in TRANSITIONS[source])


@pytest.mark.parametrize("closed", sorted(CLOSED))
async def test_a_closed_referral_never_changes_again(
    client: httpx.AsyncClient, parties: Parties, closed: Status
) -> None:
    path = await send_referral(client, parties.water)
    _moved(
        await move_to(client, uitvoerder=parties.amsterdam, creditor=parties.water, path=path, status=closed)
    )

    response = await report_status(client, parties.amsterdam, path, S.OPGEPAKT)

    assert response.status_code == 409
    assert response.json()["huidigeStatus"] == closed.value
    assert response.json()["toegestaneStatussen"] == []


async def test_a_closed_referral_takes_no_more_contact_attempts(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, S.NIET_BEREIKT))

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=True))

    assert response.status_code == 409
    assert response.json()["toegestaneStatussen"] == []


@pytest.mark.parametrize(("status", "field"), [(S.NIET_OPGEPAKT, "reden"), (S.AFGESLOTEN, "eindresultaat")])
async def test_a_closing_status_needs_its_reason(
    client: httpx.AsyncClient, parties: Parties, status: Status, field: str
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(client, parties.amsterdam, path, message(status=status.value))

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(f"/{field}", field)]


# --- contact attempts -----------------------------------------------------------------------


async def test_a_reached_contact_attempt_means_contact_gelegd(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=True))

    assert response.status_code == 200
    assert response.json()["status"] == "contact_gelegd"
    assert response.json()["klokken"]["werkdagenTotContact"] == 0


async def test_a_contact_attempt_that_did_not_reach_the_person_changes_no_status(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=False))

    assert response.status_code == 200
    assert response.json()["status"] == "ontvangen"
    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.amsterdam.auth)).json()
    attempt = timeline["gebeurtenissen"][-1]
    assert attempt["soort"] == "contactpoging"
    assert attempt["statusNaar"] is None
    assert attempt["gegevens"]["bereikt"] is False


@pytest.mark.parametrize("bereikt", [True, False])
async def test_the_first_contact_attempt_keeps_the_contact_deadline(
    client: httpx.AsyncClient, parties: Parties, bereikt: bool
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=bereikt))

    klokken = response.json()["klokken"]
    assert klokken["contactTermijnGehaald"] is True
    assert klokken["werkdagenTotEersteContactpoging"] == 0


@pytest.mark.parametrize(
    ("datum", "gehaald", "werkdagen"), [(date(2025, 3, 5), True, 2), (date(2025, 3, 7), False, 4)]
)
async def test_the_contact_clock_counts_working_days_to_the_first_attempt(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    datum: date,
    gehaald: bool,
    werkdagen: int,
) -> None:
    path = await send_referral(client, parties.water)
    # received on Monday 3 March 2025: contact by Thursday 6 March
    await move_dates(
        sessionmaker,
        path,
        ontvangen_op=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
        contact_uiterlijk=date(2025, 3, 6),
    )

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=False, datum=datum))

    klokken = response.json()["klokken"]
    assert klokken["contactTermijnGehaald"] is gehaald
    assert klokken["werkdagenTotEersteContactpoging"] == werkdagen


# --- privacy: what the creditor sees ----------------------------------------------------------

NOTE = "Inwoner zit al in een WSNP-traject; bewindvoerder gebeld"
ATTEMPT_NOTE = "Buurvrouw zegt dat hij overdag werkt"


async def _not_taken_up_after_a_visit(client: httpx.AsyncClient, parties: Parties) -> str:
    """A referral the uitvoerder visited (not reached) and then did not take up, for another reason."""
    path = await send_referral(client, parties.water)
    attempt = contactpoging(bereikt=False, soort="Huisbezoek", dagdeel="Avond")
    _moved(await report(client, parties.amsterdam, path, attempt | {"interneToelichting": ATTEMPT_NOTE}))
    _moved(await report_status(client, parties.amsterdam, path, S.NIET_OPGEPAKT, interneToelichting=NOTE))
    return path


PRIVATE = [
    ANDERE_REDEN,
    "andere reden",
    NOTE,
    ATTEMPT_NOTE,
    "Huisbezoek",
    "Avond",
    '"reden"',
    '"interneToelichting"',
    '"contactpoging"',
    '"bereikt"',
    '"dagdeel"',
]


@pytest.mark.parametrize("suffix", ["", "/tijdlijn", "/terugmelding"])
async def test_the_creditor_learns_niet_opgepakt_and_nothing_of_the_reason_notes_or_attempts(
    client: httpx.AsyncClient, parties: Parties, suffix: str
) -> None:
    path = await _not_taken_up_after_a_visit(client, parties)

    response = await client.get(path + suffix, headers=parties.water.auth)

    assert response.status_code == 200
    assert '"niet_opgepakt"' in response.text
    assert [text for text in PRIVATE if text in response.text] == []


async def test_the_creditors_xml_terugmelding_carries_nothing_private_either(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _not_taken_up_after_a_visit(client, parties)

    response = await client.get(
        f"{path}/terugmelding", headers={"Accept": "application/xml", **parties.water.auth}
    )

    assert response.status_code == 200
    assert "<status>niet_opgepakt</status>" in response.text
    assert [
        text for text in (ANDERE_REDEN, NOTE, ATTEMPT_NOTE, "Huisbezoek", "reden") if text in response.text
    ] == []


async def test_the_uitvoerder_sees_its_own_reasons_notes_and_attempts(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _not_taken_up_after_a_visit(client, parties)

    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.amsterdam.auth)).json()

    attempt, change = timeline["gebeurtenissen"][-2:]
    assert attempt["soort"] == "contactpoging"
    assert attempt["gegevens"]["soort"] == "Huisbezoek"
    assert attempt["gegevens"]["dagdeel"] == "Avond"
    assert attempt["gegevens"]["interneToelichting"] == ATTEMPT_NOTE
    assert change["soort"] == "status-gewijzigd"
    assert change["gegevens"] == {"reden": ANDERE_REDEN, "interneToelichting": NOTE}


async def test_the_creditors_timeline_leaves_out_contact_attempts(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _not_taken_up_after_a_visit(client, parties)

    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.water.auth)).json()

    assert [(e["soort"], e["statusNaar"], e["gegevens"]) for e in timeline["gebeurtenissen"]] == [
        ("ontvangen", None, {}),
        ("status-gewijzigd", "niet_opgepakt", {}),
    ]


# --- the terugmelding -------------------------------------------------------------------------

TERUGMELDING_SCHEMA = json.loads((PROJECT_ROOT / "schemas/json/terugmelding.v1.json").read_text("utf-8"))


async def _contacted(client: httpx.AsyncClient, parties: Parties) -> str:
    path = await send_referral(client, parties.water)
    _moved(await report(client, parties.amsterdam, path, contactpoging(bereikt=True)))
    return path


async def test_the_terugmelding_is_valid_json_of_the_specification(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _contacted(client, parties)

    response = await client.get(f"{path}/terugmelding", headers=parties.water.auth)

    assert response.status_code == 200
    body = response.json()
    validator = Draft202012Validator(TERUGMELDING_SCHEMA, format_checker=FormatChecker())
    assert [error.message for error in validator.iter_errors(body)] == []
    assert body["status"] == "contact_gelegd"
    assert body["contactTermijnGehaald"] is True
    assert body["doorverwijzingId"] == path.rsplit("/", 1)[-1]


async def test_the_terugmelding_in_xml_is_valid_against_the_xsd_and_says_the_same(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _contacted(client, parties)

    as_json = (await client.get(f"{path}/terugmelding", headers=parties.water.auth)).json()
    response = await client.get(
        f"{path}/terugmelding", headers={"Accept": "application/xml", **parties.water.auth}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    parsed = read_message(MessageKind.TERUGMELDING, response.content, "application/xml", max_depth=32)
    del parsed.data["verzondenOp"], as_json["verzondenOp"]
    assert parsed.data == as_json


async def test_the_same_state_gives_the_same_terugmelding_id_and_a_change_a_new_one(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    first = (await client.get(f"{path}/terugmelding", headers=parties.water.auth)).json()
    again = (await client.get(f"{path}/terugmelding", headers=parties.water.auth)).json()
    _moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT))
    changed = (await client.get(f"{path}/terugmelding", headers=parties.water.auth)).json()

    assert first["berichtId"] == again["berichtId"] != changed["berichtId"]


async def test_the_uitvoerder_gets_no_terugmelding(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await client.get(f"{path}/terugmelding", headers=parties.amsterdam.auth)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


# --- who may change what ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["water", "energie", "rivierenland"])
async def test_only_the_routed_uitvoerder_may_report_a_status(
    client: httpx.AsyncClient, parties: Parties, who: str
) -> None:
    path = await send_referral(client, parties.water)

    response = await report_status(client, getattr(parties, who), path, S.OPGEPAKT)

    assert response.status_code == 404
    assert response.json()["type"] == PROBLEM + "niet-gevonden"
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["status"] == "ontvangen"


@pytest.mark.parametrize("who", ["amsterdam", "energie", "rivierenland"])
@pytest.mark.parametrize(
    ("endpoint", "data"),
    [
        ("intrekking", {"reden": "betaald"}),
        ("betalingsherstel", {"soort": "betalingen-hervat", "datum": "2026-11-01"}),
    ],
    ids=["intrekking", "betalingsherstel"],
)
async def test_only_the_sending_creditor_may_withdraw_or_report_betalingsherstel(
    client: httpx.AsyncClient, parties: Parties, who: str, endpoint: str, data: dict[str, Any]
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(client, getattr(parties, who), f"{path}/{endpoint}", message(**data))

    assert response.status_code == 404
    view = (await client.get(path, headers=parties.water.auth)).json()
    assert (view["status"], view["betalingsherstelOp"]) == ("ontvangen", None)


@pytest.mark.parametrize("who", ["amsterdam", "energie", "rivierenland"])
async def test_only_the_sending_creditor_may_answer_an_extension_request(
    client: httpx.AsyncClient, parties: Parties, who: str
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path)

    response = await post(client, getattr(parties, who), f"{request}/antwoord", message(akkoord=True))

    assert response.status_code == 404
    assert (await client.get(request, headers=parties.water.auth)).json()["status"] == "open"


@pytest.mark.parametrize("who", ["water", "energie", "rivierenland"])
async def test_only_the_routed_uitvoerder_may_ask_for_an_extension(
    client: httpx.AsyncClient, parties: Parties, who: str
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client, getattr(parties, who), f"{path}/verlengingsverzoeken", message(gevraagdTot=_later(40))
    )

    assert response.status_code == 404


# --- re-routing -------------------------------------------------------------------------------

TIEL_ADRES = {"straatnaam": "Voorbeeldstraat", "huisnummer": 12, "postcode": "4062 AB", "woonplaats": "Tiel"}
AMSTERDAM_NOTE = "Notitie van Kredietbank Amsterdam"


async def _moved_to_tiel(client: httpx.AsyncClient, parties: Parties) -> str:
    path = await send_referral(client, parties.water)
    _moved(
        await report_status(client, parties.amsterdam, path, S.OPGEPAKT, interneToelichting=AMSTERDAM_NOTE)
    )
    response = await report_status(
        client, parties.amsterdam, path, S.NIET_OPGEPAKT, reden=GEEN_INWONER, nieuwAdres=TIEL_ADRES
    )
    _moved(response)
    return path


async def test_a_resident_who_moved_is_routed_to_the_new_gemeente_as_a_new_referral(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _moved_to_tiel(client, parties)

    view = (await client.get(path, headers=parties.rivierenland.auth)).json()

    assert view["status"] == "ontvangen"
    assert view["gemeente"] == {"code": "0281", "naam": "Tiel"}
    assert view["uitvoerder"] == {"id": str(parties.rivierenland.id), "naam": "Kredietbank Rivierenland"}
    assert view["actueelAdres"] == TIEL_ADRES


async def test_after_re_routing_the_old_uitvoerder_no_longer_sees_the_referral(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _moved_to_tiel(client, parties)

    read = await client.get(path, headers=parties.amsterdam.auth)
    change = await report_status(client, parties.amsterdam, path, S.OPGEPAKT)

    assert read.status_code == change.status_code == 404


async def test_the_creditor_learns_nothing_of_the_move(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await _moved_to_tiel(client, parties)

    response = await client.get(path, headers=parties.water.auth)
    timeline = await client.get(f"{path}/tijdlijn", headers=parties.water.auth)

    assert response.json()["gemeente"] == {"code": "0363", "naam": "Amsterdam"}
    assert response.json()["uitvoerder"]["id"] == str(parties.amsterdam.id)
    assert response.json()["actueelAdres"] is None
    assert "heringedeeld" not in timeline.text
    assert "Tiel" not in response.text + timeline.text
    assert "Voorbeeldstraat" not in response.text
    assert "4062" not in response.text


async def test_the_history_shows_the_re_routing_then_a_new_receipt(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _moved_to_tiel(client, parties)

    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.rivierenland.auth)).json()

    assert [(e["soort"], e["statusVan"], e["statusNaar"]) for e in timeline["gebeurtenissen"]] == [
        ("ontvangen", None, None),
        ("status-gewijzigd", "ontvangen", "opgepakt"),
        ("heringedeeld", "opgepakt", "ontvangen"),
        ("ontvangen", None, None),
    ]
    assert timeline["gebeurtenissen"][2]["gegevens"]["naarGemeente"] == {"code": "0281", "naam": "Tiel"}


async def test_the_new_uitvoerder_does_not_see_the_old_uitvoerders_notes(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await _moved_to_tiel(client, parties)

    response = await client.get(f"{path}/tijdlijn", headers=parties.rivierenland.auth)

    assert response.status_code == 200
    assert AMSTERDAM_NOTE not in response.text


async def test_the_new_uitvoerder_is_sent_the_referral_and_the_creditor_nothing(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _moved_to_tiel(client, parties)

    rows = [r for r in await outbox(sessionmaker) if r.volgnummer > 2]

    assert sorted((r.ontvanger_id, r.type, r.data["status"], r.data["gemeentecode"]) for r in rows) == sorted(
        [
            (parties.rivierenland.id, EVENT + "ontvangen", "ontvangen", "0281"),
        ]
    )


async def test_a_new_address_in_the_same_gemeente_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report_status(
        client,
        parties.amsterdam,
        path,
        S.NIET_OPGEPAKT,
        reden=GEEN_INWONER,
        nieuwAdres={"huisnummer": 5, "postcode": "1012 LG"},
    )

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "conflict"
    assert response.json()["gemeente"] == {"code": "0363", "naam": "Amsterdam"}
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["status"] == "ontvangen"


async def test_a_new_address_without_a_participating_gemeente_closes_the_referral_as_niet_opgepakt(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report_status(
        client,
        parties.amsterdam,
        path,
        S.NIET_OPGEPAKT,
        reden=GEEN_INWONER,
        nieuwAdres={"huisnummer": 1, "postcode": "3011 AA"},  # Rotterdam: no uitvoerder in these tests
    )

    assert response.status_code == 200
    view = response.json()
    assert view["status"] == "niet_opgepakt"
    assert view["gemeente"]["code"] == "0363"
    assert view["uitvoerder"]["id"] == str(parties.amsterdam.id)


async def test_a_re_routing_reason_with_another_status_than_niet_opgepakt_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, S.HULP_GEACCEPTEERD))

    response = await report_status(
        client, parties.amsterdam, path, S.AFGELEVERD, reden=GEEN_INWONER, nieuwAdres=TIEL_ADRES
    )

    assert response.status_code == 400
    assert {"pointer": "/reden", "code": "reden"}.items() <= response.json()["errors"][0].items()
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["gemeente"]["code"] == "0363"


# --- withdrawal -------------------------------------------------------------------------------


async def test_the_creditor_withdraws_a_referral(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await withdraw(client, parties.water, path, reden="overig", toelichting="Naar bewindvoerder")

    assert response.status_code == 200
    assert response.json()["status"] == "ingetrokken"
    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.water.auth)).json()
    assert timeline["gebeurtenissen"][-1]["soort"] == "ingetrokken"
    assert timeline["gebeurtenissen"][-1]["gegevens"] == {
        "reden": "overig",
        "toelichting": "Naar bewindvoerder",
    }


async def test_after_a_withdrawal_the_same_dossier_can_be_referred_again(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    first = await send_referral(client, parties.water, referentie="DOSSIER-42")
    _moved(await withdraw(client, parties.water, first))

    second = await send_referral(client, parties.water, referentie="DOSSIER-42")

    assert second != first


async def test_a_withdrawn_referral_cannot_be_withdrawn_again(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await withdraw(client, parties.water, path))

    response = await withdraw(client, parties.water, path)

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "statusovergang-niet-toegestaan"
    assert response.json()["toegestaneStatussen"] == []


# --- betalingsherstel -------------------------------------------------------------------------


async def test_betalingsherstel_is_recorded_without_changing_the_status(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT))
    today = vandaag().isoformat()

    response = await post(
        client, parties.water, f"{path}/betalingsherstel", message(soort="betalingen-hervat", datum=today)
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["betalingsherstelOp"]) == ("opgepakt", today)
    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.amsterdam.auth)).json()
    assert timeline["gebeurtenissen"][-1]["soort"] == "betalingsherstel"
    assert timeline["gebeurtenissen"][-1]["gegevens"] == {"soort": "betalingen-hervat", "datum": today}


async def test_betalingsherstel_in_the_future_is_refused(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)
    tomorrow = (vandaag() + timedelta(days=1)).isoformat()

    response = await post(
        client, parties.water, f"{path}/betalingsherstel", message(soort="betalingen-hervat", datum=tomorrow)
    )

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/datum", "toekomst")]


# --- extension of the incassostop -------------------------------------------------------------


def _later(days: int) -> str:
    """A date `days` after today (the incassostop of a referral sent today ends after 30)."""
    return (vandaag() + timedelta(days=days)).isoformat()


async def _ask_extension(client: httpx.AsyncClient, parties: Parties, path: str, days: int = 44) -> str:
    response = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=_later(days))
    )
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


async def test_the_uitvoerder_asks_for_an_extension(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client,
        parties.amsterdam,
        f"{path}/verlengingsverzoeken",
        message(gevraagdTot=_later(44), motivering="Traject loopt"),
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{path}/verlengingsverzoeken/{body['id']}"
    assert (body["status"], body["gevraagdTot"], body["motivering"]) == ("open", _later(44), "Traject loopt")
    assert (await client.get(response.headers["location"], headers=parties.water.auth)).json() == body


async def test_the_same_extension_request_twice_is_one_request(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    verzoek = message(gevraagdTot=_later(44))

    first = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)
    second = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)

    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert second.json() == first.json()
    assert [e.soort for e in await history(sessionmaker, path)].count("verlenging-gevraagd") == 1


async def test_a_second_extension_request_while_one_is_open_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    await _ask_extension(client, parties, path)

    response = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=_later(50))
    )

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "verlengingsverzoek-loopt"


@pytest.mark.parametrize("days", [30, 10])
async def test_an_extension_must_end_after_the_current_incassostop(
    client: httpx.AsyncClient, parties: Parties, days: int
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=_later(days))
    )

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/gevraagdTot", "na-incassostop")
    ]


@pytest.mark.parametrize(("answer", "ends_after"), [({}, 44), ({"nieuweEinddatum": _later(37)}, 37)])
async def test_an_agreed_extension_moves_the_incassostop(
    client: httpx.AsyncClient, parties: Parties, answer: dict[str, Any], ends_after: int
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path, days=44)

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=True, **answer))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["nieuweEinddatum"]) == ("akkoord", _later(ends_after))
    view = (await client.get(path, headers=parties.water.auth)).json()
    assert view["incassostopTot"] == _later(ends_after)


async def test_a_refused_extension_leaves_the_incassostop(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path)

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=False))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["nieuweEinddatum"]) == ("afgewezen", None)
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == _later(30)


async def test_an_extension_request_is_answered_only_once(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path)
    _moved(await post(client, parties.water, f"{request}/antwoord", message(akkoord=False)))

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=True))

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "conflict"
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == _later(30)


async def test_the_same_answer_sent_twice_is_applied_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path)
    answer = message(akkoord=True)

    first = await post(client, parties.water, f"{request}/antwoord", answer)
    second = await post(client, parties.water, f"{request}/antwoord", answer)

    assert first.status_code == second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert [e.soort for e in await history(sessionmaker, path)].count("verlenging-beantwoord") == 1


async def test_a_berichtid_reused_to_answer_another_extension_request_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    answer = message(akkoord=False)
    first = await _ask_extension(client, parties, path)
    _moved(await post(client, parties.water, f"{first}/antwoord", answer))
    second = await _ask_extension(client, parties, path)

    response = await post(client, parties.water, f"{second}/antwoord", answer)

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "bericht-id-hergebruikt"


# --- idempotency ------------------------------------------------------------------------------


async def test_the_same_statusmelding_twice_is_applied_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    melding = status_message(S.OPGEPAKT)

    first = await report(client, parties.amsterdam, path, melding)
    second = await report(client, parties.amsterdam, path, melding)

    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["status"] == "opgepakt"
    assert [e.soort for e in await history(sessionmaker, path)] == ["ontvangen", "status-gewijzigd"]


async def test_a_reused_berichtid_with_other_content_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    melding = status_message(S.OPGEPAKT)
    _moved(await report(client, parties.amsterdam, path, melding))

    response = await report(client, parties.amsterdam, path, melding | {"status": "contact_gelegd"})

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "bericht-id-hergebruikt"
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["status"] == "opgepakt"


async def test_a_statusmelding_in_xml_after_the_same_in_json_is_recognised(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    melding = status_message(S.OPGEPAKT)
    _moved(await report(client, parties.amsterdam, path, melding))

    response = await report(client, parties.amsterdam, path, as_xml(MessageKind.STATUSMELDING, melding))

    assert response.status_code == 200
    assert response.headers["idempotent-replayed"] == "true"
    assert [e.soort for e in await history(sessionmaker, path)] == ["ontvangen", "status-gewijzigd"]


# --- XML --------------------------------------------------------------------------------------


async def test_a_statusmelding_in_xml_is_applied_like_json(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    melding = status_message(S.NIET_OPGEPAKT, interneToelichting="Via XML")

    response = await report(client, parties.amsterdam, path, as_xml(MessageKind.STATUSMELDING, melding))

    assert response.status_code == 200
    assert response.json()["status"] == "niet_opgepakt"
    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.amsterdam.auth)).json()
    assert timeline["gebeurtenissen"][-1]["gegevens"] == {
        "reden": ANDERE_REDEN,
        "interneToelichting": "Via XML",
    }


async def test_a_contact_attempt_in_xml_is_applied_like_json(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(
        client, parties.amsterdam, path, as_xml(MessageKind.STATUSMELDING, contactpoging(bereikt=True))
    )

    assert response.status_code == 200
    assert response.json()["status"] == "contact_gelegd"


async def test_an_intrekking_in_xml_withdraws(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client, parties.water, f"{path}/intrekking", as_xml(MessageKind.INTREKKING, message(reden="betaald"))
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ingetrokken"


async def test_a_verlengingsverzoek_in_xml_asks_for_an_extension(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    verzoek = as_xml(MessageKind.VERLENGINGSVERZOEK, message(gevraagdTot=_later(44)))

    response = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)

    assert response.status_code == 201
    assert response.headers["location"] == f"{path}/verlengingsverzoeken/{response.json()['id']}"
    assert response.json()["gevraagdTot"] == _later(44)


async def test_a_verlengingsverzoek_in_xml_too_early_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    verzoek = as_xml(MessageKind.VERLENGINGSVERZOEK, message(gevraagdTot=_later(30)))

    response = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)

    assert response.status_code == 400
    assert [(e["xpath"], e["code"]) for e in response.json()["errors"]] == [
        ("/verlengingsverzoek/gevraagdTot", "na-incassostop")
    ]


async def test_a_verlengingsantwoord_in_xml_is_applied_like_json(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await _ask_extension(client, parties, path, days=44)

    response = await post(
        client,
        parties.water,
        f"{request}/antwoord",
        as_xml(MessageKind.VERLENGINGSANTWOORD, message(akkoord=True)),
    )

    assert response.status_code == 200
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == _later(44)


async def test_an_xml_statusmelding_missing_its_reason_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    melding = as_xml(MessageKind.STATUSMELDING, message(status="niet_opgepakt"))

    response = await report(client, parties.amsterdam, path, melding)

    assert response.status_code == 400
    assert [(e["xpath"], e["code"]) for e in response.json()["errors"]] == [("/statusmelding/reden", "reden")]


async def test_an_xml_statusmelding_against_the_xsd_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    body = as_xml(MessageKind.STATUSMELDING, contactpoging(bereikt=True)).replace(b">true<", b">ja<")

    response = await report(client, parties.amsterdam, path, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["xpath"] for e in errors} == {"/statusmelding/contactpoging/bereikt"}
    assert all("pointer" not in e for e in errors)


# --- the outbox -------------------------------------------------------------------------------


async def test_after_intake_the_uitvoerder_has_an_event_waiting(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    rows = await outbox(sessionmaker)

    assert [(r.ontvanger_id, r.type) for r in rows] == [(parties.amsterdam.id, EVENT + "ontvangen")]
    assert rows[0].data == {
        "doorverwijzingId": path.rsplit("/", 1)[-1],
        "status": "ontvangen",
        "gemeentecode": "0363",
        "volgnummer": 1,
    }


async def test_a_status_change_sends_the_creditor_the_partner_status_only(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, S.NIET_OPGEPAKT, interneToelichting=NOTE))

    rows = [r for r in await outbox(sessionmaker) if r.ontvanger_id == parties.water.id]

    assert [r.type for r in rows] == [EVENT + "status-gewijzigd"]
    assert rows[0].data == {
        "doorverwijzingId": path.rsplit("/", 1)[-1],
        "status": "niet_opgepakt",
        "gemeentecode": "0363",
        "volgnummer": 2,
    }


async def test_a_contact_attempt_sends_no_event(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    before = await _count(sessionmaker, Uitgaand)

    _moved(await report(client, parties.amsterdam, path, contactpoging(bereikt=False)))

    assert await _count(sessionmaker, Uitgaand) == before


async def test_outgoing_events_carry_no_personal_data_or_free_text(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    private = {
        "bsn": "999993653",
        "achternaam": "Vanderbergh-Quist",
        "postcode": "1012 LG",
        "postcode (normalised)": "1012LG",
        "telefoon": "06-12345678",
        "toelichting": "Mevrouw wil graag hulp bij haar financien",
        "note": NOTE,
        "motivering": "Schuldenoverzicht nog niet compleet",
        "intrekking": "Overgedragen aan de bewindvoerder",
        "herstel": "Laatste termijn ontvangen",
    }
    path = await send_referral(
        client,
        parties.water,
        inwoner__burgerservicenummer=private["bsn"],
        inwoner__achternaam=private["achternaam"],
        toelichting=private["toelichting"],
    )
    _moved(
        await report(
            client, parties.amsterdam, path, contactpoging(bereikt=True) | {"interneToelichting": NOTE}
        )
    )
    await post(
        client,
        parties.amsterdam,
        f"{path}/verlengingsverzoeken",
        message(gevraagdTot=_later(40), motivering=private["motivering"]),
    )
    _moved(
        await post(
            client,
            parties.water,
            f"{path}/betalingsherstel",
            message(
                soort="achterstand-ingelopen", datum=vandaag().isoformat(), toelichting=private["herstel"]
            ),
        )
    )
    _moved(await withdraw(client, parties.water, path, reden="overig", toelichting=private["intrekking"]))

    rows = await outbox(sessionmaker)

    assert len(rows) >= 5
    serialized = json.dumps([r.data for r in rows] + [r.type for r in rows])
    assert [name for name, text in private.items() if text in serialized] == []
    assert all(set(r.data) == {"doorverwijzingId", "status", "gemeentecode", "volgnummer"} for r in rows)


async def test_a_refused_change_leaves_no_history_and_no_event(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    _moved(await report_status(client, parties.amsterdam, path, S.HULP_AANGEBODEN))
    before = (await _count(sessionmaker, Gebeurtenis), await _count(sessionmaker, Uitgaand))

    response = await report(
        client,
        parties.amsterdam,
        path,
        status_message(S.OPGEPAKT) | {"contactpoging": contactpoging(bereikt=False)["contactpoging"]},
    )

    assert response.status_code == 409
    assert (await _count(sessionmaker, Gebeurtenis), await _count(sessionmaker, Uitgaand)) == before


async def test_each_change_is_numbered_in_order_in_history_and_outbox(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    for status in (S.AFGELEVERD, S.OPGEPAKT, S.CONTACT_GELEGD):
        _moved(await report_status(client, parties.amsterdam, path, status))

    creditor_rows = [r for r in await outbox(sessionmaker) if r.ontvanger_id == parties.water.id]

    assert [e.volgnummer for e in await history(sessionmaker, path)] == [1, 2, 3, 4]
    assert [(r.volgnummer, r.data["status"]) for r in creditor_rows] == [
        (2, "afgeleverd"),
        (3, "opgepakt"),
        (4, "contact_gelegd"),
    ]


# --- edges found in review --------------------------------------------------------------------


async def test_a_contact_attempt_dated_before_the_referral_was_received_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(
        client, parties.amsterdam, path, contactpoging(bereikt=True, datum=date(2020, 1, 1))
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "detail": "lies before the day the referral was received",
            "pointer": "/contactpoging/datum",
            "code": "voor-ontvangst",
        }
    ]


async def test_an_extension_cannot_be_answered_once_the_referral_is_withdrawn(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    asked = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=_later(44))
    )
    await withdraw(client, parties.water, path)

    answer = await post(
        client,
        parties.water,
        f"{path}/verlengingsverzoeken/{asked.json()['id']}/antwoord",
        message(akkoord=True),
    )

    assert answer.status_code == 409
    assert answer.json()["huidigeStatus"] == "ingetrokken"


async def test_the_note_on_a_re_routing_report_stays_with_the_uitvoerder_that_wrote_it(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    await report_status(
        client,
        parties.amsterdam,
        path,
        S.NIET_OPGEPAKT,
        reden=GEEN_INWONER,
        nieuwAdres=TIEL_ADRES,
        interneToelichting=AMSTERDAM_NOTE,
    )

    stored = [entry for entry in await history(sessionmaker, path) if entry.soort == "heringedeeld"]
    assert stored[0].gegevens["interneToelichting"] == AMSTERDAM_NOTE
    seen_by_new_uitvoerder = await client.get(f"{path}/tijdlijn", headers=parties.rivierenland.auth)
    assert AMSTERDAM_NOTE not in seen_by_new_uitvoerder.text
