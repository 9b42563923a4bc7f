"""Re-routing, withdrawal, payment recovery and the extension of the collection hold."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.referrals.lifecycle import Status
from tests.conftest import Parties
from tests.support.lifecycle import (
    EVENT,
    GEEN_INWONER,
    PROBLEM,
    ask_extension,
    contactpoging,
    history,
    later,
    message,
    moved,
    outbox,
    post,
    report,
    report_status,
    send_referral,
    withdraw,
)

S = Status


# --- re-routing -------------------------------------------------------------------------------

TIEL_ADRES = {"straatnaam": "Voorbeeldstraat", "huisnummer": 12, "postcode": "4062 AB", "woonplaats": "Tiel"}
AMSTERDAM_NOTE = "Notitie van Kredietbank Amsterdam"


async def _moved_to_tiel(client: httpx.AsyncClient, parties: Parties) -> str:
    path = await send_referral(client, parties.water)
    moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT, interneToelichting=AMSTERDAM_NOTE))
    response = await report_status(
        client, parties.amsterdam, path, S.NIET_OPGEPAKT, reden=GEEN_INWONER, nieuwAdres=TIEL_ADRES
    )
    moved(response)
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


async def test_the_creditors_later_events_name_the_gemeente_it_referred_to(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await _moved_to_tiel(client, parties)
    await ask_extension(client, parties.rivierenland, path)

    to_creditor = [r for r in await outbox(sessionmaker) if r.ontvanger_id == parties.water.id]

    assert [r.type for r in to_creditor][-1] == EVENT + "verlenging-gevraagd"
    assert {r.data["gemeentecode"] for r in to_creditor} == {"0363"}


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
    moved(await report_status(client, parties.amsterdam, path, S.HULP_GEACCEPTEERD))

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
    moved(await withdraw(client, parties.water, first))

    second = await send_referral(client, parties.water, referentie="DOSSIER-42")

    assert second != first


async def test_a_withdrawn_referral_cannot_be_withdrawn_again(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    moved(await withdraw(client, parties.water, path))

    response = await withdraw(client, parties.water, path)

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "statusovergang-niet-toegestaan"
    assert response.json()["toegestaneStatussen"] == []


# --- betalingsherstel -------------------------------------------------------------------------


async def test_betalingsherstel_is_recorded_without_changing_the_status(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT))
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


async def test_the_uitvoerder_asks_for_an_extension(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client,
        parties.amsterdam,
        f"{path}/verlengingsverzoeken",
        message(gevraagdTot=later(44), motivering="Traject loopt"),
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{path}/verlengingsverzoeken/{body['id']}"
    assert (body["status"], body["gevraagdTot"], body["motivering"]) == ("open", later(44), "Traject loopt")
    assert (await client.get(response.headers["location"], headers=parties.water.auth)).json() == body


async def test_the_same_extension_request_twice_is_one_request(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    verzoek = message(gevraagdTot=later(44))

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
    await ask_extension(client, parties.amsterdam, path)

    response = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=later(50))
    )

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "verlengingsverzoek-loopt"


@pytest.mark.parametrize("days", [30, 10])
async def test_an_extension_must_end_after_the_current_incassostop(
    client: httpx.AsyncClient, parties: Parties, days: int
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=later(days))
    )

    assert response.status_code == 400
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        ("/gevraagdTot", "na-incassostop")
    ]


@pytest.mark.parametrize(("answer", "ends_after"), [({}, 44), ({"nieuweEinddatum": later(37)}, 37)])
async def test_an_agreed_extension_moves_the_incassostop(
    client: httpx.AsyncClient, parties: Parties, answer: dict[str, Any], ends_after: int
) -> None:
    path = await send_referral(client, parties.water)
    request = await ask_extension(client, parties.amsterdam, path, days=44)

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=True, **answer))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["nieuweEinddatum"]) == ("akkoord", later(ends_after))
    view = (await client.get(path, headers=parties.water.auth)).json()
    assert view["incassostopTot"] == later(ends_after)


async def test_a_refused_extension_leaves_the_incassostop(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await ask_extension(client, parties.amsterdam, path)

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=False))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["nieuweEinddatum"]) == ("afgewezen", None)
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == later(30)


async def test_an_extension_request_is_answered_only_once(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    request = await ask_extension(client, parties.amsterdam, path)
    moved(await post(client, parties.water, f"{request}/antwoord", message(akkoord=False)))

    response = await post(client, parties.water, f"{request}/antwoord", message(akkoord=True))

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "conflict"
    assert (await client.get(path, headers=parties.water.auth)).json()["incassostopTot"] == later(30)


async def test_the_same_answer_sent_twice_is_applied_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    request = await ask_extension(client, parties.amsterdam, path)
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
    first = await ask_extension(client, parties.amsterdam, path)
    moved(await post(client, parties.water, f"{first}/antwoord", answer))
    second = await ask_extension(client, parties.amsterdam, path)

    response = await post(client, parties.water, f"{second}/antwoord", answer)

    assert response.status_code == 409
    assert response.json()["type"] == PROBLEM + "bericht-id-hergebruikt"


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
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot=later(44))
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
