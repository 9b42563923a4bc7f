"""The service without its embedded worker, as deployed (https and public targets only) or as in
the sandbox (loopback receivers allowed)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from tests.support.delivery import api_client, delivery_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return delivery_settings(database_url)


@pytest.fixture
async def api(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], environment: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as http:
        yield http


@pytest.fixture
async def strict_api(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], environment: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The service as deployed: https only, public addresses only."""
    async with api_client(delivery_settings(database_url, allow_local=False)) as http:
        yield http
