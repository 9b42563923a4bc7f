"""The periodic worker (timers, erasure after the retention period, the Schuldenknooppunt mailbox
and delivery): in the API process for the embedded default, `wdv worker` otherwise; several may
run at once against PostgreSQL.

This is where the parts are put together: the delivery worker is given the channels (the webhook
channel and the peers' channels), and the hub poller its client.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import logs, metrics
from app.config import Settings
from app.delivery.channels import Channels
from app.delivery.targets import webhook_client
from app.delivery.webhook import WebhookChannel
from app.delivery.worker import deliver_round
from app.ops import heartbeat
from app.peers import outbound
from app.peers.clients import Schuldenknooppunt, peer_http_client
from app.peers.hub import poll as poll_hub
from app.privacy import retention
from app.referrals.timers import run_timers
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv.worker")


def delivery_channels(
    settings: Settings, client: httpx.AsyncClient, peer_client: httpx.AsyncClient
) -> Channels:
    """Every channel the worker delivers through: webhooks over `client`, peers over `peer_client`."""
    channels = Channels()
    channels.register(WebhookChannel(client, settings))
    outbound.register(channels, settings, peer_client)
    return channels


@contextlib.asynccontextmanager
async def clients(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The plain client for webhooks and the mutual-TLS client for peers."""
    webhooks = webhook_client(allow_local=settings.webhook_allow_local)
    async with webhooks as client, peer_http_client(settings) as peer_client:
        yield client, peer_client


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime | None = None
) -> int:
    async with sessionmaker() as session, session.begin():
        return await run_timers(
            session, now=now or datetime.now(UTC), herinnering_dagen=settings.incassostop_herinnering_dagen
        )


async def erase_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime | None = None
) -> int:
    """Erase the personal data whose retention period has passed, a batch per transaction."""
    now = now or datetime.now(UTC)
    erased = 0
    previous = logs.current_request_id()
    logs.bind_request_id(logs.new_request_id())  # one trace for this round's erasures
    try:
        while True:
            async with sessionmaker() as session, session.begin():
                batch = await retention.erase_due(session, now=now, months=settings.retention_months)
            erased += len(batch)
            if len(batch) < retention.BATCH:
                return erased
    finally:
        logs.bind_request_id(previous)


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Timers and erasure every `worker_interval_seconds`, the Schuldenknooppunt mailbox (when configured)
    every `schuldenknooppunt_poll_seconds`, deliveries every `delivery_poll_seconds`."""
    timers_due = hub_due = 0.0
    routing = RoutingCache(settings.routing_refresh_seconds)
    async with clients(settings) as (client, peer_client):
        channels = delivery_channels(settings, client, peer_client)
        hub = (
            Schuldenknooppunt(
                peer_client, settings.schuldenknooppunt_url, settings.schuldenknooppunt_deelnemer
            )
            if settings.schuldenknooppunt_url
            else None
        )
        while not stop.is_set():
            try:
                await heartbeat.beat(sessionmaker)
                if time.monotonic() >= timers_due:
                    if fired := await run_once(sessionmaker, settings):
                        logger.info("timers fired: %d", fired)
                    if erased := await erase_due(sessionmaker, settings):
                        logger.info("personal data erased after the retention period: %d referrals", erased)
                    timers_due = time.monotonic() + settings.worker_interval_seconds
                if hub is not None and time.monotonic() >= hub_due:
                    await metrics.observe_hub_poll(poll_hub(sessionmaker, settings, hub, routing))
                    hub_due = time.monotonic() + settings.schuldenknooppunt_poll_seconds
                while await deliver_round(sessionmaker, settings, channels) >= settings.delivery_batch:
                    pass  # a full batch: more may be due right away
            except Exception:
                logger.exception("worker round failed; trying again next round")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.delivery_poll_seconds)
