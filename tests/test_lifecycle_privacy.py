"""What a creditor may learn of a referral, through every way it can look (DESIGN §7)."""

import json

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.config import PROJECT_ROOT
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.models import Gebeurtenis, Uitgaand
from app.referrals.lifecycle import Status
from tests.conftest import Parties
from tests.support.lifecycle import (
    ANDERE_REDEN,
    EVENT,
    contactpoging,
    count_rows,
    history,
    later,
    message,
    moved,
    outbox,
    post,
    report,
    report_status,
    send_referral,
    status_message,
    withdraw,
)

S = Status


# --- privacy: what the creditor sees ----------------------------------------------------------

NOTE = "Inwoner zit al in een WSNP-traject; bewindvoerder gebeld"
ATTEMPT_NOTE = "Buurvrouw zegt dat hij overdag werkt"


async def _not_taken_up_after_a_visit(client: httpx.AsyncClient, parties: Parties) -> str:
    """A referral the uitvoerder visited (not reached) and then did not take up, for another reason."""
    path = await send_referral(client, parties.water)
    attempt = contactpoging(bereikt=False, soort="Huisbezoek", dagdeel="Avond")
    moved(await report(client, parties.amsterdam, path, attempt | {"interneToelichting": ATTEMPT_NOTE}))
    moved(await report_status(client, parties.amsterdam, path, S.NIET_OPGEPAKT, interneToelichting=NOTE))
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
    moved(await report(client, parties.amsterdam, path, contactpoging(bereikt=True)))
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
    assert body["contactTermijn"] == "gehaald"
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
    moved(await report_status(client, parties.amsterdam, path, S.OPGEPAKT))
    changed = (await client.get(f"{path}/terugmelding", headers=parties.water.auth)).json()

    assert first["berichtId"] == again["berichtId"] != changed["berichtId"]


async def test_the_uitvoerder_gets_no_terugmelding(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)

    response = await client.get(f"{path}/terugmelding", headers=parties.amsterdam.auth)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


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
    moved(await report_status(client, parties.amsterdam, path, S.NIET_OPGEPAKT, interneToelichting=NOTE))

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
    before = await count_rows(sessionmaker, Uitgaand)

    moved(await report(client, parties.amsterdam, path, contactpoging(bereikt=False)))

    assert await count_rows(sessionmaker, Uitgaand) == before


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
    moved(
        await report(
            client, parties.amsterdam, path, contactpoging(bereikt=True) | {"interneToelichting": NOTE}
        )
    )
    await post(
        client,
        parties.amsterdam,
        f"{path}/verlengingsverzoeken",
        message(gevraagdTot=later(40), motivering=private["motivering"]),
    )
    moved(
        await post(
            client,
            parties.water,
            f"{path}/betalingsherstel",
            message(
                soort="achterstand-ingelopen", datum=vandaag().isoformat(), toelichting=private["herstel"]
            ),
        )
    )
    moved(await withdraw(client, parties.water, path, reden="overig", toelichting=private["intrekking"]))

    rows = await outbox(sessionmaker)

    assert len(rows) >= 5
    serialized = json.dumps([r.data for r in rows] + [r.type for r in rows])
    assert [name for name, text in private.items() if text in serialized] == []
    assert all(set(r.data) == {"doorverwijzingId", "status", "gemeentecode", "volgnummer"} for r in rows)


async def test_a_refused_change_leaves_no_history_and_no_event(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    moved(await report_status(client, parties.amsterdam, path, S.HULP_AANGEBODEN))
    before = (await count_rows(sessionmaker, Gebeurtenis), await count_rows(sessionmaker, Uitgaand))

    response = await report(
        client,
        parties.amsterdam,
        path,
        status_message(S.OPGEPAKT) | {"contactpoging": contactpoging(bereikt=False)["contactpoging"]},
    )

    assert response.status_code == 409
    assert (await count_rows(sessionmaker, Gebeurtenis), await count_rows(sessionmaker, Uitgaand)) == before


async def test_each_change_is_numbered_in_order_in_history_and_outbox(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    for status in (S.AFGELEVERD, S.OPGEPAKT, S.CONTACT_GELEGD):
        moved(await report_status(client, parties.amsterdam, path, status))

    creditor_rows = [r for r in await outbox(sessionmaker) if r.ontvanger_id == parties.water.id]

    assert [e.volgnummer for e in await history(sessionmaker, path)] == [1, 2, 3, 4]
    assert [(r.volgnummer, r.data["status"]) for r in creditor_rows] == [
        (2, "afgeleverd"),
        (3, "opgepakt"),
        (4, "contact_gelegd"),
    ]
