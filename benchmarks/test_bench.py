"""Speed and memory targets (`make bench`), measured on an embedded SQLite database.

- The API stores at least 50 referrals a second (sequential JSON requests, in-process).
- The command line: see test_bench_cli.py.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.organisations import service as organisations
from app.organisations.models import Rol
from app.privacy import keys
from app.routing.service import load_reference_data

pytestmark = pytest.mark.bench
WDV = str(Path(sys.executable).parent / "wdv")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('bench') / 'wdv.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([WDV, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([WDV, "routing", "load-default"], env=env, check=True, capture_output=True)
    return url


def test_intake_throughput(database: str) -> None:
    async def run() -> float:
        engine = create_engine(database)
        async with create_sessionmaker(engine)() as session, session.begin():
            await load_reference_data(session)
            key = await _creditor_with_coverage(session)
        await engine.dispose()
        template = json.loads(
            (PROJECT_ROOT / "schemas/examples/doorverwijzing/valid-minimaal.json").read_text()
        )
        # encrypted at rest as in production: the figure includes sealing every message
        app = create_app(Settings(database_url=database, data_keys=keys.generate("bench")))
        count = 300
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                started = time.perf_counter()
                for number in range(count):
                    message = {**template, "berichtId": str(uuid.uuid4()), "referentie": f"BENCH-{number}"}
                    response = await client.post(
                        "/v1/doorverwijzingen", json=message, headers={"Authorization": f"Bearer {key}"}
                    )
                    assert response.status_code == 201, response.text
                return count / (time.perf_counter() - started)

    per_second = asyncio.run(run())
    print(f"\nintake: {per_second:.0f} referrals/s")
    assert per_second > 50


async def _creditor_with_coverage(session: AsyncSession) -> str:
    from datetime import date

    creditor = await organisations.add_organisatie(
        session, naam="Bench Water", rol=Rol.SCHULDEISER, oin="00000001234567890000", signaalpartner="Water"
    )
    uitvoerder = await organisations.add_organisatie(session, naam="Bench Kredietbank", rol=Rol.UITVOERDER)
    await organisations.set_coverage(
        session, uitvoerder=uitvoerder, gemeentecode="0363", geldig_vanaf=date(2024, 1, 1)
    )
    return await organisations.create_key(session, organisatie_id=creditor.id)
