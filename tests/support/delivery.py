"""Helpers for the delivery tests: the service without its worker, worker rounds at chosen moments,
subscriptions for the loopback receiver, and what was stored."""

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery import schedule
from app.delivery.models import Bezorging, Bezorgpoging
from app.delivery.worker import deliver_round
from app.main import create_app
from app.worker import delivery_channels
from tests.conftest import Party
from tests.support.receiver import Receiver

TYPE_PREFIX = "nl.schuldhulp.warme-doorverwijzing."
PUBLIC_URL = "https://93.184.215.14/webhooks/wdv"  # a public address literal: no DNS needed, never called


def delivery_settings(database_url: str, *, allow_local: bool = True) -> Settings:
    return Settings(
        database_url=database_url,
        webhook_allow_local=allow_local,
        worker_in_process=False,
        routing_refresh_seconds=0,
    )


@asynccontextmanager
async def api_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The service in-process, without its embedded worker: the tests run the rounds themselves."""
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def subscribe(
    api: httpx.AsyncClient, party: Party, receiver: Receiver, **fields: Any
) -> dict[str, Any]:
    """Subscribe the receiver for `party` and give the receiver the secret to verify with."""
    response = await api.post(
        "/v1/webhook-abonnementen", json={"url": receiver.url, **fields}, headers=party.auth
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secrets = [created["secret"]]
    return created


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    *,
    now: datetime | None = None,
) -> int:
    """One worker round with a fixed jitter; returns how many attempts were made."""
    channels = delivery_channels(settings, sender, sender)
    return await deliver_round(sessionmaker, settings, channels, rng=random.Random(0), now=now)


async def deliveries(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Bezorging]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Bezorging).order_by(Bezorging.volgnummer)))


async def only_delivery(sessionmaker: async_sessionmaker[AsyncSession]) -> Bezorging:
    [delivery] = await deliveries(sessionmaker)
    return delivery


async def attempts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Bezorgpoging]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Bezorgpoging).order_by(Bezorgpoging.tijdstip)))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def status_of(api: httpx.AsyncClient, party: Party, path: str) -> str:
    response = await api.get(path, headers=party.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def mailbox(api: httpx.AsyncClient, party: Party, **params: Any) -> dict[str, Any]:
    response = await api.get("/v1/berichten", params=params, headers=party.auth)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def fail_until_exhausted(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> Bezorging:
    """Let the only delivery fail on every attempt of the schedule, advancing the clock each time."""
    receiver.answer_next(schedule.ATTEMPTS, 500)
    moment = datetime.now(UTC)
    for _ in range(schedule.ATTEMPTS):
        assert await deliver(sessionmaker, settings, sender, now=moment) == 1
        moment = (await only_delivery(sessionmaker)).volgende_poging_op
    return await only_delivery(sessionmaker)
