"""A creditor sends a warm referral: what it gets back, in JSON and in XML."""

import uuid
from typing import Any

import httpx
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Afwijzing, Doorverwijzing, Verwerking
from tests.conftest import Parties, example
from tests.support.messages import referral

JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
NS = {"dw": "urn:nld:warme-doorverwijzing:berichten:v1", "p": "urn:ietf:rfc:7807"}


async def send(
    client: httpx.AsyncClient, party_auth: dict[str, str], message: dict[str, Any]
) -> httpx.Response:
    return await client.post("/v1/doorverwijzingen", json=message, headers=party_auth)


async def test_a_valid_referral_is_stored_and_acknowledged(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await send(client, parties.water.auth, referral())

    assert response.status_code == 201
    ack = response.json()
    assert response.headers["location"] == f"/v1/doorverwijzingen/{ack['doorverwijzingId']}"
    assert ack["status"] == "ontvangen"
    assert ack["gemeente"] == {"code": "0363", "naam": "Amsterdam"}
    assert ack["uitvoerder"] == {"id": str(parties.amsterdam.id), "naam": "Kredietbank Amsterdam"}
    assert ack["routering"]["methode"] == "pc4"
    assert ack["routering"]["meerderheid"] is False
    assert ack["verzondenOp"].endswith("Z")


async def test_the_acknowledgement_carries_both_clocks(client: httpx.AsyncClient, parties: Parties) -> None:
    from datetime import date

    from app.clocks import contact_uiterlijk, incassostop_tot, vandaag

    ack = (await send(client, parties.water.auth, referral())).json()

    today: date = vandaag()
    assert ack["incassostopTot"] == incassostop_tot(today).isoformat()
    assert ack["contactUiterlijk"] == contact_uiterlijk(today).isoformat()


async def test_xml_in_and_xml_out_give_the_same_answer(client: httpx.AsyncClient, parties: Parties) -> None:
    body = example("doorverwijzing", "valid-minimaal.xml")
    response = await client.post(
        "/v1/doorverwijzingen",
        content=body,
        headers={**XML, "Accept": "application/xml", **parties.water.auth},
    )

    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert root.tag == "{urn:nld:warme-doorverwijzing:berichten:v1}ontvangstbevestiging"
    assert root.findtext("dw:gemeente/dw:code", namespaces=NS) == "0363"
    assert root.findtext("dw:status", namespaces=NS) == "ontvangen"


async def test_the_same_message_sent_twice_is_answered_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    message = referral()
    first = await send(client, parties.water.auth, message)
    second = await send(client, parties.water.auth, message)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Doorverwijzing)) == 1


async def test_the_same_message_in_xml_after_json_is_recognised(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    first = await client.post(
        "/v1/doorverwijzingen",
        content=example("doorverwijzing", "valid-minimaal.json"),
        headers={**JSON, **parties.water.auth},
    )
    second = await client.post(
        "/v1/doorverwijzingen",
        content=example("doorverwijzing", "valid-minimaal.xml"),
        headers={**XML, **parties.water.auth},
    )

    assert first.status_code == second.status_code == 201
    assert second.json()["doorverwijzingId"] == first.json()["doorverwijzingId"]


async def test_a_reused_berichtid_with_other_content_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    message = referral()
    first = await send(client, parties.water.auth, message)
    changed = {**message, "toelichting": "Een andere toelichting"}
    response = await send(client, parties.water.auth, changed)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(":bericht-id-hergebruikt")
    assert response.json()["doorverwijzingId"] == first.json()["doorverwijzingId"]


async def test_a_second_open_referral_for_the_same_dossier_is_a_conflict(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    first = await send(client, parties.water.auth, referral(referentie="DOSSIER-1"))
    second = await send(client, parties.water.auth, referral(referentie="DOSSIER-1"))

    assert second.status_code == 409
    assert second.json()["type"].endswith(":dubbele-doorverwijzing")
    assert second.json()["doorverwijzingId"] == first.json()["doorverwijzingId"]


async def test_an_invalid_referral_lists_every_violation(client: httpx.AsyncClient, parties: Parties) -> None:
    message = referral(
        inwoner__burgerservicenummer="123456780",
        inwoner__adres__postcode="1234 SS",
        achterstand__ontstaansdatum="2099-01-01",
    )
    response = await send(client, parties.water.auth, message)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    errors = {(e["pointer"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("/inwoner/burgerservicenummer", "elfproef"),
        ("/inwoner/adres/postcode", "postcode"),
        ("/achterstand/ontstaansdatum", "toekomst"),
    }


async def test_schema_violations_are_all_listed_with_their_pointers(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    message = referral(achterstand__bedrag=-5, crisissignaal="ja")
    del message["toestemming"]
    message["onbekend"] = 1

    response = await send(client, parties.water.auth, message)

    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/toestemming", "/achterstand/bedrag", "/crisissignaal", "/onbekend"}


async def test_xml_violations_are_located_by_xpath(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await client.post(
        "/v1/doorverwijzingen",
        content=example("doorverwijzing", "invalid-bsn-elfproef.xml"),
        headers={**XML, **parties.water.auth},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "detail": "fails the elfproef",
            "xpath": "/doorverwijzing/inwoner/burgerservicenummer",
            "code": "elfproef",
        }
    ]


async def test_an_unknown_postcode_is_a_business_answer_and_nothing_personal_is_kept(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await send(client, parties.water.auth, referral(inwoner__adres__postcode="3350 AA"))

    assert response.status_code == 422
    assert response.json()["type"].endswith(":postcode-onbekend")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Doorverwijzing)) == 0
        rejection = (await session.scalars(select(Afwijzing))).one()
    assert (rejection.schuldeiser_id, rejection.gemeentecode, rejection.reden) == (
        parties.water.id,
        None,
        "postcode-onbekend",
    )


async def test_a_gemeente_without_uitvoerder_is_named_and_counted(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    message = referral(inwoner__adres__postcode="3011 AA")  # Rotterdam: no uitvoerder in these tests
    first = await send(client, parties.water.auth, message)
    again = await send(client, parties.water.auth, message)

    assert first.status_code == again.status_code == 422
    assert first.json()["type"].endswith(":gemeente-neemt-niet-deel")
    assert first.json()["gemeente"] == {"code": "0599", "naam": "Rotterdam"}
    async with sessionmaker() as session:
        rejections = (await session.scalars(select(Afwijzing))).all()
    assert [(r.gemeentecode, r.reden) for r in rejections] == [("0599", "gemeente-neemt-niet-deel")]


async def test_a_split_postcode_area_is_routed_to_the_majority_and_says_so(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await send(client, parties.water.auth, referral(inwoner__adres__postcode="4062 AB"))

    assert response.status_code == 201
    ack = response.json()
    assert ack["gemeente"]["code"] == "0281"
    assert ack["routering"]["meerderheid"] is True
    assert 0.85 < ack["routering"]["aandeel"] < 0.95
    assert ack["uitvoerder"]["naam"] == "Kredietbank Rivierenland"


async def test_a_creditor_cannot_send_in_another_creditors_name(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await send(client, parties.energie.auth, referral())

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_uitvoerder_cannot_send_referrals(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await send(client, parties.amsterdam.auth, referral())

    assert response.status_code == 403


async def test_a_missing_or_wrong_key_is_401_problem(client: httpx.AsyncClient, parties: Parties) -> None:
    missing = await client.post("/v1/doorverwijzingen", json=referral())
    wrong = await send(client, {"Authorization": "Bearer wdv_not-a-key"}, referral())

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_referral_is_visible_to_its_creditor_and_uitvoerder_only(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ack = (await send(client, parties.water.auth, referral())).json()
    path = f"/v1/doorverwijzingen/{ack['doorverwijzingId']}"

    by_creditor = await client.get(path, headers=parties.water.auth)
    by_uitvoerder = await client.get(path, headers=parties.amsterdam.auth)
    by_other_creditor = await client.get(path, headers=parties.energie.auth)
    by_other_uitvoerder = await client.get(path, headers=parties.rivierenland.auth)

    assert by_creditor.status_code == by_uitvoerder.status_code == 200
    assert by_uitvoerder.json()["bericht"]["inwoner"]["achternaam"]
    assert by_uitvoerder.json()["gemeente"] == {"code": "0363", "naam": "Amsterdam"}
    assert by_other_creditor.status_code == by_other_uitvoerder.status_code == 404
    async with sessionmaker() as session:
        actions = sorted((await session.scalars(select(Verwerking.actie))).all())
    assert actions == ["lezen", "lezen", "ontvangen"]


async def test_an_unknown_referral_id_is_404_and_a_malformed_one_400(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    unknown = await client.get(f"/v1/doorverwijzingen/{uuid.uuid4()}", headers=parties.water.auth)
    malformed = await client.get("/v1/doorverwijzingen/not-a-uuid", headers=parties.water.auth)

    assert unknown.status_code == 404
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["pointer"] == "/path/doorverwijzing_id"


async def test_the_same_message_sent_concurrently_is_stored_once_and_answered_alike(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    import asyncio

    message = referral()
    responses = await asyncio.gather(*(send(client, parties.water.auth, message) for _ in range(6)))

    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["doorverwijzingId"] for r in responses}) == 1
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Doorverwijzing)) == 1


async def test_the_same_unroutable_message_sent_concurrently_is_counted_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    import asyncio

    message = referral(inwoner__adres__postcode="3350 AA")
    responses = await asyncio.gather(*(send(client, parties.water.auth, message) for _ in range(6)))

    assert [r.status_code for r in responses] == [422] * 6
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Afwijzing)) == 1


async def test_a_verzondenop_of_24_00_is_a_clear_violation(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = example("doorverwijzing", "valid-minimaal.xml").replace(
        b"<verzondenOp>2026-11-27T14:05:00+01:00</verzondenOp>",
        b"<verzondenOp>2026-11-27T24:00:00Z</verzondenOp>",
    )
    assert b"24:00:00Z" in body

    response = await client.post("/v1/doorverwijzingen", content=body, headers={**XML, **parties.water.auth})

    assert response.status_code == 400
    assert response.json()["errors"][0]["xpath"] == "/doorverwijzing/verzondenOp"
