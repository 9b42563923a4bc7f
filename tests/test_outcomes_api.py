"""Outcomes that fit the path, through the API (DESIGN §5): an end result or reason that does not
fit is a 409 naming those that do; a refusal can turn into acceptance; someone who stops
responding after contact is closed as no response after contact; the pick-up day is kept."""

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.referrals.lifecycle import Status, allowed_eindresultaten, allowed_redenen
from tests.conftest import Parties
from tests.support.factories import received, reported
from tests.support.lifecycle import (
    GEEN_INWONER,
    PROBLEM,
    as_xml,
    contactpoging,
    moved,
    post,
    report,
    report_status,
    send_referral,
    status_message,
)

S = Status


async def contacted(client: httpx.AsyncClient, parties: Parties) -> str:
    path = await send_referral(client, parties.water)
    moved(await report(client, parties.amsterdam, path, contactpoging(bereikt=True)))
    return path


@pytest.mark.parametrize(
    "eindresultaat",
    [
        "Niet opgepakt: andere reden",
        "Definitief geen contact kunnen krijgen",
        "Inwoner al bekend bij schuldhulpverlening",
    ],
)
async def test_closing_a_contacted_referral_as_not_taken_up_or_never_reached_is_409_naming_what_fits(
    client: httpx.AsyncClient, parties: Parties, eindresultaat: str
) -> None:
    path = await contacted(client, parties)

    response = await report_status(client, parties.amsterdam, path, S.AFGESLOTEN, eindresultaat=eindresultaat)

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == PROBLEM + "statusovergang-niet-toegestaan"
    assert problem["huidigeStatus"] == "contact_gelegd"
    assert problem["toegestaneEindresultaten"] == sorted(allowed_eindresultaten(S.CONTACT_GELEGD))
    assert eindresultaat not in problem["toegestaneEindresultaten"]
    assert (await client.get(path, headers=parties.amsterdam.auth)).json()["status"] == "contact_gelegd"


async def test_closing_with_follow_up_help_before_anyone_was_reached_is_409(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT))

    response = await report_status(
        client, parties.amsterdam, path, S.AFGESLOTEN, eindresultaat="Vervolghulp en/of verwijzing financieel"
    )

    assert response.status_code == 409
    assert response.json()["toegestaneEindresultaten"] == sorted(allowed_eindresultaten(S.OPGEPAKT))


async def test_not_taking_up_a_referral_after_contact_is_409_naming_the_one_reason_that_fits(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await contacted(client, parties)

    response = await report_status(
        client, parties.amsterdam, path, S.NIET_OPGEPAKT, reden="Niet opgepakt: herhaalde melding"
    )

    assert response.status_code == 409
    assert response.json()["toegestaneRedenen"] == sorted(allowed_redenen(S.CONTACT_GELEGD)) == [GEEN_INWONER]


async def test_a_resident_found_to_have_moved_after_contact_is_still_routed_to_the_new_gemeente(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await contacted(client, parties)
    nieuw_adres = {"huisnummer": 12, "postcode": "4062 AB"}

    response = await report_status(
        client, parties.amsterdam, path, S.NIET_OPGEPAKT, reden=GEEN_INWONER, nieuwAdres=nieuw_adres
    )

    assert response.status_code == 200
    assert (await client.get(path, headers=parties.rivierenland.auth)).json()["status"] == "ontvangen"


async def test_the_409_in_xml_lists_the_end_results_that_fit_as_items(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await contacted(client, parties)
    melding = as_xml(
        MessageKind.STATUSMELDING, status_message(S.AFGESLOTEN, eindresultaat="Niet opgepakt: andere reden")
    )

    response = await client.post(
        f"{path}/statusmeldingen",
        content=melding,
        headers={"Content-Type": "application/xml", "Accept": "application/xml", **parties.amsterdam.auth},
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+xml")
    # valid against problem.xsd, its items read back as a list
    problem = read_message(MessageKind.FOUTBERICHT, response.content, "application/problem+xml", max_depth=32)
    assert problem.data["toegestaneEindresultaten"] == sorted(allowed_eindresultaten(S.CONTACT_GELEGD))


async def test_someone_who_refused_help_can_still_accept_it(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await contacted(client, parties)
    moved(await report_status(client, parties.amsterdam, path, S.HULP_GEWEIGERD))

    response = await report_status(client, parties.amsterdam, path, S.HULP_GEACCEPTEERD)

    assert response.status_code == 200
    assert response.json()["status"] == "hulp_geaccepteerd"
    assert response.json()["klokken"]["werkdagenTotHulpGeaccepteerd"] == 0


async def test_someone_who_stops_responding_after_accepting_is_closed_as_no_response_after_contact(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await contacted(client, parties)
    moved(await report_status(client, parties.amsterdam, path, S.HULP_GEACCEPTEERD))

    never_reached = await report_status(client, parties.amsterdam, path, S.NIET_BEREIKT)
    closed = await report_status(
        client, parties.amsterdam, path, S.AFGESLOTEN, eindresultaat="Geen reactie na eerder contact"
    )

    assert never_reached.status_code == 409
    assert "niet_bereikt" not in never_reached.json()["toegestaneStatussen"]
    assert closed.status_code == 200
    assert closed.json()["status"] == "afgesloten"


# --- the day it was picked up -------------------------------------------------------------------


async def test_the_day_the_uitvoerder_gives_for_picking_up_is_the_milestone(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # received on Monday 3 March 2025, picked up on Tuesday 4 March, reported on Thursday
    path = await received(sessionmaker, parties.water, on=datetime(2025, 3, 3, 9, tzinfo=UTC))
    await reported(
        sessionmaker,
        parties.amsterdam,
        path,
        S.OPGEPAKT,
        on=datetime(2025, 3, 6, 9, tzinfo=UTC),
        datumOpgepakt="2025-03-04",
    )

    view = (await client.get(path, headers=parties.amsterdam.auth)).json()

    assert view["klokken"]["werkdagenTotOpgepakt"] == 1


async def test_without_a_day_picking_up_counts_on_the_day_of_the_report(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report_status(client, parties.amsterdam, path, S.OPGEPAKT)

    assert response.json()["klokken"]["werkdagenTotOpgepakt"] == 0


async def test_a_pick_up_day_before_the_referral_was_received_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report_status(client, parties.amsterdam, path, S.OPGEPAKT, datumOpgepakt="2020-01-01")

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/datumOpgepakt", "voor-ontvangst")
    ]


async def test_a_pick_up_day_with_another_status_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client,
        parties.amsterdam,
        f"{path}/statusmeldingen",
        status_message(S.CONTACT_GELEGD, datumOpgepakt="2025-03-04"),
    )

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/datumOpgepakt", "datum-opgepakt")
    ]


async def test_skipping_ahead_past_opgepakt_counts_as_picked_up_that_day(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await report(client, parties.amsterdam, path, contactpoging(bereikt=True))

    assert response.json()["klokken"]["werkdagenTotOpgepakt"] == 0
