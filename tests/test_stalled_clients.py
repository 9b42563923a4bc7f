"""Clients that stall or crowd the database never stall the service: a half-sent body holds no
transaction, lock or connection and is cut off after BODY_TIMEOUT_SECONDS (408); a request that
cannot get a connection or the SQLite write lock in time is answered 503 with Retry-After.
Over real HTTP on loopback, on SQLite and on PostgreSQL."""

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from tests.conftest import Parties
from tests.support.loopback import serving
from tests.test_http_hardening import referral

STALLED_CLIENTS = 20  # more than the PostgreSQL pool holds (5 + 10)
BODY_TIMEOUT = 4.0
GENEROUS = 15.0  # seconds: a bound a loaded machine still meets, far below a hang


@pytest.fixture
def server(database_url: str, parties: Parties) -> Iterator[str]:
    def make_app(url: str) -> object:
        return create_app(
            Settings(
                database_url=database_url,
                routing_refresh_seconds=0,
                worker_in_process=False,
                body_timeout_seconds=BODY_TIMEOUT,
                public_base_url=url,
            )
        )

    with serving(make_app, lifespan="on") as url:  # type: ignore[arg-type]
        yield url


async def stall(url: str, key: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Send the headers of a referral and half of its body, then nothing more."""
    body = json.dumps(referral()).encode()
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        "POST /v1/doorverwijzingen HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body[: len(body) // 2])
    await writer.drain()
    return reader, writer


async def answer_of(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines if line)
    }
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


async def test_half_sent_bodies_hold_nothing_while_other_clients_are_served_then_get_408(
    server: str, parties: Parties
) -> None:
    stalled = [await stall(server, parties.water.key) for _ in range(STALLED_CLIENTS)]
    await asyncio.sleep(0.5)  # the server has read every set of headers and authenticated them
    try:
        async with httpx.AsyncClient(base_url=server, timeout=GENEROUS) as http:
            created = [
                await http.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)
                for _ in range(3)
            ]
            read = await http.get(created[0].headers["location"], headers=parties.water.auth)
            routed = await http.post(
                "/v1/routering", json={"postcode": "1012 LG", "huisnummer": 1}, headers=parties.water.auth
            )

        assert [response.status_code for response in created] == [201, 201, 201]
        assert read.status_code == 200
        assert routed.status_code == 200
        for reader, _ in stalled:
            status, headers, body = await asyncio.wait_for(answer_of(reader), GENEROUS)
            assert status == 408
            assert headers["content-type"] == "application/problem+json"
            assert json.loads(body)["type"].endswith(":verzoek-te-traag")
    finally:
        for _, writer in stalled:
            writer.close()


@pytest.fixture
async def crowded_app(database_url: str, parties: Parties) -> AsyncIterator[httpx.AsyncClient]:
    """The service with one database connection and a one-second wait for it (or for the lock)."""
    settings = Settings(
        database_url=database_url,
        routing_refresh_seconds=0,
        worker_in_process=False,
        database_wait_seconds=1,
        database_pool_size=1,
        database_pool_overflow=0,
    )
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


async def test_a_request_that_cannot_get_the_database_in_time_is_a_503_with_retry_after(
    crowded_app: httpx.AsyncClient, database_url: str, parties: Parties
) -> None:
    app = crowded_app.app  # type: ignore[attr-defined]
    if database_url.startswith("sqlite"):
        # another process holds the write lock
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.close
    else:
        # every pooled connection is in use
        session = app.state.sessionmaker()
        await session.connection()

        def release() -> None:
            asyncio.get_running_loop().create_task(session.close())

    try:
        busy = await asyncio.wait_for(
            crowded_app.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth), GENEROUS
        )
    finally:
        release()
    await asyncio.sleep(0.1)
    again = await crowded_app.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)

    assert busy.status_code == 503
    assert busy.headers["content-type"] == "application/problem+json"
    assert int(busy.headers["retry-after"]) >= 1
    assert busy.json()["type"].endswith(":tijdelijk-niet-beschikbaar")
    assert again.status_code == 201
