"""Exhausted deliveries are listed (API and `wdv deliveries failed`) and can be replayed, by their own
organisation only."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from tests.conftest import Parties
from tests.support.cli import wdv_async
from tests.support.delivery import (
    deliver,
    fail_until_exhausted,
    only_delivery,
    status_of,
    subscribe,
)
from tests.support.lifecycle import send_referral
from tests.support.receiver import Receiver


async def test_after_ten_failed_attempts_the_delivery_is_mislukt_and_listed(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)

    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    assert (delivery.status, delivery.pogingen) == ("mislukt", 10)
    listed = (await api.get("/v1/bezorgingen", headers=parties.amsterdam.auth)).json()
    assert [(d["id"], d["status"], d["pogingen"], d["laatsteFout"]) for d in listed] == [
        (str(delivery.id), "mislukt", 10, "HTTP 500")
    ]
    assert (await api.get("/v1/bezorgingen", headers=parties.water.auth)).json() == []


async def test_wdv_deliveries_failed_lists_an_exhausted_delivery(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    wdv_database: str,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    result = await wdv_async("deliveries", "failed")

    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{delivery.id} {parties.amsterdam.id} {receiver.url} attempts=10")


async def test_a_replayed_delivery_arrives(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    replayed = await api.post(f"/v1/bezorgingen/{delivery.id}/opnieuw", headers=parties.amsterdam.auth)
    await deliver(sessionmaker, settings, sender)

    assert replayed.status_code == 202, replayed.text
    assert (replayed.json()["status"], replayed.json()["pogingen"]) == ("wachtend", 0)
    assert [r.answered for r in receiver.requests][-1] == 200
    assert (await only_delivery(sessionmaker)).status == "afgeleverd"
    assert await status_of(api, parties.water, path) == "afgeleverd"


async def test_another_organisation_cannot_replay_a_delivery(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    response = await api.post(f"/v1/bezorgingen/{delivery.id}/opnieuw", headers=parties.rivierenland.auth)

    assert response.status_code == 404
    assert (await only_delivery(sessionmaker)).status == "mislukt"


async def test_wdv_deliveries_replay_all_makes_an_exhausted_delivery_arrive(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    wdv_database: str,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    result = await wdv_async("deliveries", "replay", "--all")
    await deliver(sessionmaker, settings, sender)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "replaying 1 deliveries"
    assert (await only_delivery(sessionmaker)).status == "afgeleverd"
    assert len(receiver.events) == 1
