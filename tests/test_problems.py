"""Every error the API answers is a Foutbericht as the specification publishes it."""

import json
from typing import Any

import httpx

from app.messages.specs import MessageKind
from app.messages.validation import read_message
from tests.conftest import Parties
from tests.support.lifecycle import report_status, send_referral, withdraw
from tests.support.messages import referral


def assert_is_foutbericht(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    return read_message(MessageKind.FOUTBERICHT, response.content, "application/json", max_depth=32).data


async def test_errors_of_every_kind_are_valid_foutberichten(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    await withdraw(client, parties.water, path)
    invalid = await client.post("/v1/doorverwijzingen", json={"berichtId": "x"}, headers=parties.water.auth)
    unauthenticated = await client.get(path)
    missing = await client.get("/v1/bestaat-niet", headers=parties.water.auth)
    closed = await report_status(client, parties.amsterdam, path, "opgepakt")
    unroutable = await client.post(
        "/v1/doorverwijzingen", json=referral(inwoner__adres__postcode="3350 AA"), headers=parties.water.auth
    )

    for response, status in (
        (invalid, 400),
        (unauthenticated, 401),
        (missing, 404),
        (closed, 409),
        (unroutable, 422),
    ):
        assert response.status_code == status
        assert assert_is_foutbericht(response)["status"] == status
    assert json.loads(closed.content)["toegestaneStatussen"] == []


async def test_a_refused_transition_in_xml_names_the_allowed_statuses(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    await report_status(client, parties.amsterdam, path, "contact_gelegd")

    response = await client.post(
        f"{path}/statusmeldingen",
        json={
            "berichtId": "6f0c6a55-8d5e-4d0e-9c3a-1b2c3d4e5f60",
            "verzondenOp": "2026-11-28T10:00:00Z",
            "status": "opgepakt",
        },
        headers={**parties.amsterdam.auth, "Accept": "application/problem+xml"},
    )

    assert response.status_code == 409
    data = read_message(MessageKind.FOUTBERICHT, response.content, "application/xml", max_depth=32).data
    assert data["huidigeStatus"] == "contact_gelegd"
    assert "afgesloten" in data["toegestaneStatussen"]
