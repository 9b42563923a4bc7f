"""The periodic worker: in the API process for the embedded default, `wdv worker` otherwise."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.referrals.timers import run_timers

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
    while not stop.is_set():
        try:
            fired = await run_once(sessionmaker, settings)
            if fired:
                logger.info("timers fired: %d", fired)
        except Exception:
            logger.exception("timer run failed; trying again next round")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.worker_interval_seconds)
