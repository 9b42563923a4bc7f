"""The portal over HTTP as a browser uses it: HTML, cookies, forms with their CSRF token."""

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import service as accounts
from app.accounts.models import Rol
from app.config import Settings
from app.main import create_app
from app.organisations.models import Organisatie

PASSWORD = "correct paard batterij niet"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@dataclass(frozen=True)
class Person:
    email: str
    password: str


def portal_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "routing_refresh_seconds": 0,
        "worker_in_process": False,
        "webhook_allow_local": True,
        "login_max_failures_per_account": 3,
        "login_max_failures_per_address": 6,
    }
    return Settings(**(values | overrides))


@pytest.fixture
async def portal_app(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    application = create_app(portal_settings(database_url))
    async with LifespanManager(application):
        yield application


Browser = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def new_browser(portal_app: FastAPI) -> AsyncIterator[Browser]:
    """Each call: a separate browser (its own cookie jar) over https, asking for HTML."""
    opened: list[httpx.AsyncClient] = []

    async def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=portal_app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="https://testserver", headers=HTML)
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def web(new_browser: Browser) -> httpx.AsyncClient:
    return await new_browser()


@pytest.fixture
def add_person(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[Person]]:
    async def add(organisatie_id: uuid.UUID | None, rol: Rol = Rol.MEDEWERKER, email: str = "") -> Person:
        email = email or f"{uuid.uuid4().hex[:8]}@voorbeeld.example"
        async with sessionmaker() as session, session.begin():
            organisatie = await session.get(Organisatie, organisatie_id) if organisatie_id else None
            await accounts.add_user(
                session,
                email=email,
                naam=f"Mens {email.split('@')[0]}",
                wachtwoord=PASSWORD,
                organisatie=organisatie,
                rol=rol,
                now=datetime.now(UTC),
            )
        return Person(email, PASSWORD)

    return add


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


async def log_in(web: httpx.AsyncClient, person: Person, *, volgende: str = "") -> httpx.Response:
    page = await web.get("/inloggen" + (f"?volgende={volgende}" if volgende else ""))
    return await web.post(
        "/inloggen",
        data={
            "csrf_token": csrf_of(page.text),
            "email": person.email,
            "wachtwoord": person.password,
            "volgende": volgende,
        },
    )


async def submit(
    web: httpx.AsyncClient, path: str, data: dict[str, Any], *, form_page: str = ""
) -> httpx.Response:
    """Post a form as the browser would: with the CSRF token of the page that holds it."""
    page = await web.get(form_page or path)
    return await web.post(path, data={"csrf_token": csrf_of(page.text)} | data)


def text_of(html: str) -> str:
    """The visible text, roughly: tags removed and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
