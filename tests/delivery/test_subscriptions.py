"""Webhook subscriptions: created with a secret, limited to event types, https and public targets only,
listed, deleted, invisible to others."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from tests.conftest import Parties
from tests.support.delivery import (
    PUBLIC_URL,
    deliver,
    deliveries,
    subscribe,
)
from tests.support.lifecycle import send_referral
from tests.support.receiver import Receiver


async def test_a_subscription_is_created_with_a_whsec_secret(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["soorten"], body["actief"]) == (PUBLIC_URL, [], True)


async def test_a_subscription_can_be_limited_to_event_types(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen",
        json={"url": PUBLIC_URL, "soorten": ["ontvangen"]},
        headers=parties.amsterdam.auth,
    )

    assert response.status_code == 201, response.text
    assert response.json()["soorten"] == ["ontvangen"]


async def test_an_http_url_is_refused_with_a_pointer_to_the_url(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen",
        json={"url": PUBLIC_URL.replace("https://", "http://")},
        headers=parties.amsterdam.auth,
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


async def test_an_http_url_is_accepted_where_local_targets_are_allowed(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await api.post(
        "/v1/webhook-abonnementen", json={"url": "http://127.0.0.1:9/hook"}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://user:secret@93.184.215.14/hook",
    ],
)
async def test_a_url_to_an_internal_address_or_with_credentials_is_refused(
    strict_api: httpx.AsyncClient, parties: Parties, url: str
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": url}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


async def test_the_list_shows_the_subscriptions_without_their_secret(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    listed = await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)

    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]
    assert "secret" not in listed.json()[0]
    assert created.json()["secret"] not in listed.text


async def test_a_deleted_subscription_is_gone(strict_api: httpx.AsyncClient, parties: Parties) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )
    path = f"/v1/webhook-abonnementen/{created.json()['id']}"

    first = await strict_api.delete(path, headers=parties.amsterdam.auth)
    second = await strict_api.delete(path, headers=parties.amsterdam.auth)

    assert (first.status_code, second.status_code) == (204, 404)
    assert (await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)).json() == []


async def test_a_deleted_subscription_is_sent_nothing_more(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    created = await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    started = datetime.now(UTC)
    await deliver(sessionmaker, settings, sender, now=started)

    deleted = await api.delete(f"/v1/webhook-abonnementen/{created['id']}", headers=parties.amsterdam.auth)
    sent = await deliver(sessionmaker, settings, sender, now=started + timedelta(days=4))

    assert (deleted.status_code, sent) == (204, 0)
    assert len(receiver.requests) == 1
    assert await deliveries(sessionmaker) == []


@pytest.mark.parametrize(
    ("method", "suffix"), [("DELETE", ""), ("POST", "/secret-rotatie"), ("POST", "/test")]
)
async def test_another_organisations_subscription_is_404(
    strict_api: httpx.AsyncClient, parties: Parties, method: str, suffix: str
) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    response = await strict_api.request(
        method, f"/v1/webhook-abonnementen/{created.json()['id']}{suffix}", headers=parties.rivierenland.auth
    )

    assert response.status_code == 404
    listed = await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]
