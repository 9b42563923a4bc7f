"""The `wdv worker` process: its logging, its start-up warnings and its metrics port around the
worker loop of app/worker.py."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import logs
from app.config import Settings
from app.ops import scrape
from app.ops.startup import warn_about_configuration
from app.worker import run_forever


async def run(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    logs.configure(settings)
    await warn_about_configuration(sessionmaker, settings)
    async with scrape.metrics_port(sessionmaker, settings):
        await run_forever(sessionmaker, settings, stop)
