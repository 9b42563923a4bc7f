"""The periodic worker (timers and webhook delivery): in the API process for the embedded default,
`wdv worker` otherwise; several may run at once against PostgreSQL."""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery.targets import webhook_client
from app.delivery.worker import deliver_round
from app.peers.clients import Schuldenknooppunt, peer_http_client
from app.peers.hub import poll as poll_hub
from app.referrals.timers import run_timers
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv.worker")


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime | None = None
) -> int:
    async with sessionmaker() as session, session.begin():
        return await run_timers(
            session, now=now or datetime.now(UTC), herinnering_dagen=settings.incassostop_herinnering_dagen
        )


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Timers every `worker_interval_seconds`, the Schuldenknooppunt mailbox (when configured)
    every `schuldenknooppunt_poll_seconds`, deliveries every `delivery_poll_seconds`."""
    timers_due = hub_due = 0.0
    routing = RoutingCache(settings.routing_refresh_seconds)
    webhooks = webhook_client(allow_local=settings.webhook_allow_local)
    async with webhooks as client, peer_http_client(settings) as peer_client:
        hub = (
            Schuldenknooppunt(
                peer_client, settings.schuldenknooppunt_url, settings.schuldenknooppunt_deelnemer
            )
            if settings.schuldenknooppunt_url
            else None
        )
        while not stop.is_set():
            try:
                if time.monotonic() >= timers_due:
                    if fired := await run_once(sessionmaker, settings):
                        logger.info("timers fired: %d", fired)
                    timers_due = time.monotonic() + settings.worker_interval_seconds
                if hub is not None and time.monotonic() >= hub_due:
                    await poll_hub(sessionmaker, settings, hub, routing)
                    hub_due = time.monotonic() + settings.schuldenknooppunt_poll_seconds
                while (
                    await deliver_round(sessionmaker, settings, client, peer_client=peer_client)
                    >= settings.delivery_batch
                ):
                    pass  # a full batch: more may be due right away
            except Exception:
                logger.exception("worker round failed; trying again next round")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.delivery_poll_seconds)
