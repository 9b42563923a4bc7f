"""A partner asks where an address would be routed, without sending a referral."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Afwijzing, Doorverwijzing, Verwerking
from app.routing.service import BUNDLED_VERSIE
from tests.conftest import Parties

JSON = {"Content-Type": "application/json"}
PROBLEM_JSON = "application/problem+json"


async def route(client: httpx.AsyncClient, parties: Parties, **adres: Any) -> httpx.Response:
    return await client.post("/v1/routering", json=adres, headers=parties.water.auth)


async def test_an_amsterdam_address_goes_to_amsterdam_and_its_uitvoerder(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="1012 LG", huisnummer=1)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "gemeente": {"code": "0363", "naam": "Amsterdam"},
        "uitvoerder": {"id": str(parties.amsterdam.id), "naam": "Kredietbank Amsterdam"},
        "routering": {
            "methode": "pc4",
            "meerderheid": False,
            "aandeel": None,
            "peildatum": "2024-08-01",
            "tabelversie": BUNDLED_VERSIE,
        },
    }


async def test_the_postcode_may_be_written_in_lower_case_and_with_a_house_letter(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(
        client, parties, postcode="1012lg", huisnummer=1, huisletter="a", huisnummertoevoeging="2h"
    )

    assert response.status_code == 200
    assert response.json()["gemeente"]["code"] == "0363"


async def test_a_gemeente_without_uitvoerder_is_named_with_a_null_uitvoerder(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="3011AA", huisnummer=1)

    assert response.status_code == 200
    body = response.json()
    assert body["gemeente"] == {"code": "0599", "naam": "Rotterdam"}
    assert body["uitvoerder"] is None


async def test_a_split_postcode_area_is_a_majority_routing_with_its_share(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="4062AB", huisnummer=1)

    assert response.status_code == 200
    body = response.json()
    assert body["gemeente"] == {"code": "0281", "naam": "Tiel"}
    assert body["uitvoerder"] == {"id": str(parties.rivierenland.id), "naam": "Kredietbank Rivierenland"}
    assert body["routering"]["meerderheid"] is True
    assert body["routering"]["aandeel"] == pytest.approx(0.8966, abs=1e-4)


async def test_an_unknown_postcode_is_a_422_business_answer(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="3350AA", huisnummer=1)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == "urn:nld:warme-doorverwijzing:probleem:postcode-onbekend"
    assert problem["status"] == 422
    assert problem["instance"] == "/v1/routering"


async def test_a_postcode_that_cannot_exist_is_a_400_pointing_at_it(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="1234 SS", huisnummer=1)

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [
        {"pointer": "/postcode", "detail": "is not a postcode that can exist", "code": "postcode"}
    ]


async def test_a_missing_huisnummer_is_a_400_pointing_at_it(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await route(client, parties, postcode="1012 LG")

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [e["pointer"] for e in response.json()["errors"]] == ["/huisnummer"]


async def test_every_invalid_field_is_listed(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await route(client, parties, postcode="1012 LG", huisnummer=0, huisletter="AB", extra=1)

    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/huisnummer", "/huisletter", "/extra"}


async def test_routing_needs_an_api_key(client: httpx.AsyncClient, parties: Parties) -> None:
    missing = await client.post("/v1/routering", json={"postcode": "1012 LG", "huisnummer": 1})
    wrong = await client.post(
        "/v1/routering",
        json={"postcode": "1012 LG", "huisnummer": 1},
        headers={"Authorization": "Bearer wdv_not-a-key"},
    )

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_uitvoerder_may_ask_too(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await client.post(
        "/v1/routering", json={"postcode": "1012 LG", "huisnummer": 1}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 200


async def test_routing_stores_nothing_not_even_an_anonymous_refusal(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    answers = [
        await route(client, parties, postcode="1012 LG", huisnummer=1),
        await route(client, parties, postcode="3011AA", huisnummer=1),
        await route(client, parties, postcode="3350AA", huisnummer=1),
        await route(client, parties, postcode="1234 SS", huisnummer=1),
    ]

    assert [a.status_code for a in answers] == [200, 200, 422, 400]
    async with sessionmaker() as session:
        for model in (Doorverwijzing, Afwijzing, Verwerking):
            assert await session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


# --- the body goes through the same guards as a message -----------------------------------------


def raw(body: bytes, parties: Parties, content_type: str = "application/json") -> dict[str, Any]:
    return {"content": body, "headers": {"Content-Type": content_type, **parties.water.auth}}


async def test_json_nested_10000_levels_deep_is_an_invalid_message(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = b'{"a":' * 10_000 + b"1" + b"}" * 10_000

    response = await client.post("/v1/routering", **raw(body, parties))

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "urn:nld:warme-doorverwijzing:probleem:ongeldig-bericht"


async def test_malformed_json_points_at_the_whole_document(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await client.post("/v1/routering", **raw(b'{"postcode":', parties))

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [""]


async def test_a_duplicate_member_is_refused(client: httpx.AsyncClient, parties: Parties) -> None:
    body = b'{"postcode": "1012 LG", "huisnummer": 1, "postcode": "3011 AA"}'

    response = await client.post("/v1/routering", **raw(body, parties))

    assert response.status_code == 400
    assert "duplicate member 'postcode'" in response.json()["detail"]


async def test_a_body_that_is_not_json_is_a_415(client: httpx.AsyncClient, parties: Parties) -> None:
    body = b'{"postcode": "1012 LG", "huisnummer": 1}'

    response = await client.post("/v1/routering", **raw(body, parties, "text/plain"))

    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_the_api_key_is_checked_before_the_body_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/routering", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("huisnummer", [True, "1"], ids=["boolean", "text"])
async def test_a_huisnummer_that_is_not_a_json_integer_is_refused(
    client: httpx.AsyncClient, parties: Parties, huisnummer: object
) -> None:
    response = await route(client, parties, postcode="1012 LG", huisnummer=huisnummer)

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/huisnummer"]
