"""The lifecycle of a referral through the API (DESIGN §5): statuses, contact attempts, who may
change what, idempotency and XML."""

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.messages.specs import MessageKind
from app.referrals.lifecycle import CLOSED, TRANSITIONS, Status
from tests.conftest import Parties
from tests.support.factories import received
from tests.support.lifecycle import (
    ANDERE_REDEN,
    PROBLEM,
    REPORTABLE,
    as_xml,
    ask_extension,
    contactpoging,
    history,
    later,
    message,
    move_to,
    moved,
    post,
    report,
    report_status,
    send_referral,
    status_message,
)

S = Status
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
        moved(await report_status(client, parties.amsterdam, path, source))

    response = await move_to(
        client, uitvoerder=parties.amsterdam, creditor=parties.water, path=path, status=target, after=source
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
    moved(await report_status(client, parties.amsterdam, path, source))

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
    moved(
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
    moved(await report_status(client, parties.amsterdam, path, S.NIET_BEREIKT))

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
    assert klokken["contactTermijn"] == "gehaald"
    assert klokken["werkdagenTotEersteContactpoging"] == 0


@pytest.mark.parametrize(
    ("datum", "termijn", "werkdagen"),
    [(date(2025, 3, 5), "gehaald", 2), (date(2025, 3, 7), "niet_gehaald", 4)],
)
async def test_the_contact_clock_counts_working_days_to_the_first_attempt(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    datum: date,
    termijn: str,
    werkdagen: int,
) -> None:
    # received on Monday 3 March 2025: contact by Thursday 6 March
    path = await received(sessionmaker, parties.water, on=datetime(2025, 3, 3, 9, 0, tzinfo=UTC))

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=False, datum=datum))

    klokken = response.json()["klokken"]
    assert klokken["contactTermijn"] == termijn
    assert klokken["werkdagenTotEersteContactpoging"] == werkdagen


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
    request = await ask_extension(client, parties.amsterdam, path)

    response = await post(client, getattr(parties, who), f"{request}/antwoord", message(akkoord=True))

    assert response.status_code == 404
    assert (await client.get(request, headers=parties.water.auth)).json()["status"] == "open"


@pytest.mark.parametrize("who", ["water", "energie", "rivierenland"])
async def test_only_the_routed_uitvoerder_may_ask_for_an_extension(
    client: httpx.AsyncClient, parties: Parties, who: str
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client, getattr(parties, who), f"{path}/verlengingsverzoeken", message(gevraagdTot=later(40))
    )

    assert response.status_code == 404


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
    moved(await report(client, parties.amsterdam, path, melding))

    response = await report(client, parties.amsterdam, path, melding | {"status": "contact_gelegd"})

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "bericht-id-hergebruikt"
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["status"] == "opgepakt"


async def test_a_statusmelding_in_xml_after_the_same_in_json_is_recognised(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    melding = status_message(S.OPGEPAKT)
    moved(await report(client, parties.amsterdam, path, melding))

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
    verzoek = as_xml(MessageKind.VERLENGINGSVERZOEK, message(gevraagdTot=later(44)))

    response = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)

    assert response.status_code == 201
    assert response.headers["location"] == f"{path}/verlengingsverzoeken/{response.json()['id']}"
    assert response.json()["gevraagdTot"] == later(44)


async def test_a_verlengingsverzoek_in_xml_too_early_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    verzoek = as_xml(MessageKind.VERLENGINGSVERZOEK, message(gevraagdTot=later(30)))

    response = await post(client, parties.amsterdam, f"{path}/verlengingsverzoeken", verzoek)

    assert response.status_code == 400
    assert [(e["xpath"], e["code"]) for e in response.json()["errors"]] == [
        ("/verlengingsverzoek/gevraagdTot", "na-incassostop")
    ]


async def test_a_verlengingsantwoord_in_xml_is_applied_like_json(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await ask_extension(client, parties.amsterdam, path, days=44)

    response = await post(
        client,
        parties.water,
        f"{request}/antwoord",
        as_xml(MessageKind.VERLENGINGSANTWOORD, message(akkoord=True)),
    )

    assert response.status_code == 200
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == later(44)


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
