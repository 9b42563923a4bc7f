"""Test fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL.

Set WDV_REQUIRE_POSTGRES=1 (CI does) to fail instead of skipping when PostgreSQL is not there;
WDV_TEST_POSTGRES_URL points at a server (default: local, trust auth, database `test`).
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.models import Base
from app.organisations import service as organisations
from app.organisations.models import Rol
from app.privacy import keys
from app.routing.service import load_reference_data
from tests.support.receiver import Receiver, running_receiver

# the test session's own data key; the processes it starts (API, worker, `wdv`) inherit it
os.environ["DATA_KEYS"] = keys.generate("test")
keys.load_and_install(Settings())

REFERENCE_TABLES = {"gemeenten", "herindelingen", "routeringstabellen", "routeringsregels"}
EXAMPLES = PROJECT_ROOT / "schemas" / "examples"
SHARED = PROJECT_ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("WDV_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    async def probe() -> None:
        engine = create_engine(POSTGRES_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("select 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), timeout=5))
    except Exception:
        return False
    return True


def _migrate(url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


async def _admin(sql: str) -> None:
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database with the bundled reference data, per backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'wdv.db'}"
        _migrate(url)
        asyncio.run(_load_reference_data(url))
        yield url
        return
    if not _postgres_reachable():
        if os.environ.get("WDV_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"wdv_test_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    asyncio.run(_load_reference_data(url))
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _load_reference_data(url: str) -> None:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await load_reference_data(session)
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Each test starts without organisations or referrals (reference data stays)."""
    maker = create_sessionmaker(engine)
    async with maker() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                await session.execute(delete(table))
    return maker


@dataclass
class Party:
    id: uuid.UUID
    naam: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Parties:
    water: Party  # schuldeiser with the OIN used in the examples
    energie: Party  # another schuldeiser
    amsterdam: Party  # uitvoerder for 0363
    rivierenland: Party  # uitvoerder for 0281 Tiel and 1960 West Betuwe


@pytest.fixture
async def parties(sessionmaker: async_sessionmaker[AsyncSession]) -> Parties:
    from datetime import date

    async with sessionmaker() as session, session.begin():

        async def party(naam: str, rol: Rol, gemeenten: tuple[str, ...] = (), **ids: Any) -> Party:
            organisation = await organisations.add_organisatie(session, naam=naam, rol=rol, **ids)
            for code in gemeenten:
                await organisations.set_coverage(
                    session, uitvoerder=organisation, gemeentecode=code, geldig_vanaf=date(2024, 1, 1)
                )
            key = await organisations.create_key(session, organisatie_id=organisation.id)
            return Party(organisation.id, naam, key)

        return Parties(
            water=await party(
                "Waterbedrijf Voorbeeld", Rol.SCHULDEISER, oin="00000001234567890000", signaalpartner="Water"
            ),
            energie=await party(
                "Energie Voorbeeld", Rol.SCHULDEISER, kvk_nummer="12345678", signaalpartner="Energie"
            ),
            amsterdam=await party("Kredietbank Amsterdam", Rol.UITVOERDER, ("0363",)),
            rivierenland=await party("Kredietbank Rivierenland", Rol.UITVOERDER, ("0281", "1960")),
        )


@pytest.fixture
async def app(database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[FastAPI]:
    # no background worker: tests drive timers and deliveries themselves, at the times they choose
    settings = Settings(database_url=database_url, routing_refresh_seconds=0, worker_in_process=False)
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """get_settings() is cached per process: start and end without it, and without local webhook
    targets allowed by the environment, so only what a test sets decides."""
    monkeypatch.delenv("WEBHOOK_ALLOW_LOCAL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def wdv_database(database_url: str, environment: pytest.MonkeyPatch) -> str:
    """The command line (`wdv`) pointed at the test database."""
    environment.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real webhook receiver on loopback (tests/support/receiver.py)."""
    with running_receiver() as running:
        yield running


@pytest.fixture
async def sender() -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client the worker sends with."""
    async with httpx.AsyncClient(follow_redirects=False) as http:
        yield http


def example(message: str, name: str) -> bytes:
    return (EXAMPLES / message / name).read_bytes()


def shared_path(*parts: str) -> Path:
    return SHARED.joinpath(*parts)
