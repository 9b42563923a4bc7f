"""The portal in a real headless Chromium (Debian's `chromium`, driven by Playwright), against the
service served on loopback. One server for the whole run, one browser per test module, a fresh
browser context (cookies, storage) per test.

Without /usr/bin/chromium or the playwright package the tests are skipped with the reason;
WDV_REQUIRE_BROWSER=1 (CI) makes that a failure instead.
"""

import asyncio
import json
import os
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from sqlalchemy import select

from app import clocks
from app.accounts import service as accounts
from app.accounts.models import Rol
from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.messages import types
from app.organisations import service as organisations
from app.organisations.models import Organisatie
from app.organisations.models import Rol as OrganisatieRol
from app.referrals import intake
from app.routing.service import RoutingCache, load_reference_data
from tests.conftest import _migrate, example
from tests.support.loopback import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
AXE = Path(__file__).parent.parent / "vendor" / "axe-core@4.14.1" / "axe.min.js"
PASSWORD = "correct paard batterij niet"


T = TypeVar("T")


def in_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run async database work to completion from the synchronous browser tests: in a thread of
    its own, as Playwright's synchronous API keeps an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def require_browser() -> None:
    if (reason := _browser_missing()) is None:
        return
    if os.environ.get("WDV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser tests are required, but {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@dataclass(frozen=True)
class Person:
    email: str
    password: str = PASSWORD


@dataclass
class Portal:
    url: str
    database_url: str
    people: dict[str, Person] = field(default_factory=dict)
    organisations: dict[str, uuid.UUID] = field(default_factory=dict)

    def query(self, statement: Any) -> list[Any]:
        """Rows from the service's database, to check what a page did."""

        async def run() -> list[Any]:
            engine = create_engine(self.database_url)
            try:
                async with create_sessionmaker(engine)() as session:
                    return list(await session.scalars(statement))
            finally:
                await engine.dispose()

        return in_thread(run)


def _received(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=clocks.AMSTERDAM).astimezone(UTC)


def _message(referentie: str, postcode: str, achternaam: str, crisis: bool = False) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(example("doorverwijzing", "valid-minimaal.json"))
    message["berichtId"] = str(uuid.uuid4())
    message["verzondenOp"] = clocks.utc_text(datetime.now(UTC))
    message["toestemming"]["datum"] = clocks.vandaag().isoformat()
    message["referentie"] = referentie
    message["inwoner"]["adres"]["postcode"] = postcode
    message["inwoner"]["achternaam"] = achternaam
    message["crisissignaal"] = crisis
    return message


async def _seed(url: str, portal: Portal) -> str:
    """Organisations, one person per role, and referrals of the past (through the intake) that
    the queues show; returns the creditor's API key."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with create_sessionmaker(engine)() as session, session.begin():
        await load_reference_data(session)
        add = organisations.add_organisatie
        water = await add(
            session,
            naam="Waterbedrijf Voorbeeld",
            rol=OrganisatieRol.SCHULDEISER,
            oin="00000001234567890000",
            signaalpartner="Water",
        )
        amsterdam = await add(session, naam="Kredietbank Amsterdam Voorbeeld", rol=OrganisatieRol.UITVOERDER)
        rivierenland = await add(
            session, naam="Kredietbank Rivierenland Voorbeeld", rol=OrganisatieRol.UITVOERDER
        )
        for organisation, codes in ((amsterdam, ["0363"]), (rivierenland, ["0281", "1960"])):
            for code in codes:
                await organisations.set_coverage(
                    session, uitvoerder=organisation, gemeentecode=code, geldig_vanaf=date(2024, 1, 1)
                )
        people = [
            ("incasso", water, Rol.MEDEWERKER, "Sanne Bakker"),
            ("beheer-water", water, Rol.BEHEERDER, "Ruud Visser"),
            ("amsterdam", amsterdam, Rol.MEDEWERKER, "Fatima el Amrani"),
            ("rivierenland", rivierenland, Rol.MEDEWERKER, "Jeroen de Boer"),
        ]
        for key, organisation, rol, naam in people:
            email = f"{key}@voorbeeld.example"
            await accounts.add_user(
                session,
                email=email,
                naam=naam,
                wachtwoord=PASSWORD,
                organisatie=organisation,
                rol=rol,
                now=now,
            )
            portal.people[key] = Person(email)
        portal.organisations = {"water": water.id, "amsterdam": amsterdam.id, "rivierenland": rivierenland.id}
        api_key = await organisations.create_key(session, organisatie_id=water.id)

        routing = RoutingCache(0)
        today = clocks.vandaag()
        due_today = today
        while clocks.contact_uiterlijk(due_today) > today or not clocks.is_werkdag(due_today):
            due_today -= timedelta(days=1)
        for referentie, postcode, naam, day, crisis in (
            ("WV-2026-0412", "4001 AA", "de Wit", today - timedelta(days=14), True),
            ("WV-2026-0450", "4191 AA", "Smit", due_today, False),
            ("WV-2026-0471", "4001 AB", "Mulder", today, False),
        ):
            outcome = await intake.receive(
                session,
                schuldeiser=water,
                message=cast(types.Doorverwijzing, _message(referentie, postcode, naam, crisis)),
                routing=routing,
                now=_received(day),
            )
            assert isinstance(outcome, intake.Accepted)
    await engine.dispose()
    return api_key


def _api_referral_with_contact_attempt(base: str, creditor_key: str, caseworker_key: str) -> None:
    """An Amsterdam referral already called by the case worker: through the API, as systems do."""
    with httpx.Client(base_url=base) as http:
        sent = http.post(
            "/v1/doorverwijzingen",
            json=_message("WV-2026-0399", "1012 LG", "Vermeulen"),
            headers={"Authorization": f"Bearer {creditor_key}"},
        )
        assert sent.status_code == 201, sent.text
        reported = http.post(
            f"{sent.headers['location']}/statusmeldingen",
            json={
                "berichtId": str(uuid.uuid4()),
                "verzondenOp": clocks.utc_text(datetime.now(UTC)),
                "contactpoging": {
                    "soort": "Telefoon",
                    "bereikt": False,
                    "datum": clocks.vandaag().isoformat(),
                },
            },
            headers={"Authorization": f"Bearer {caseworker_key}"},
        )
        assert reported.status_code in (200, 201), reported.text


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The service on loopback with a database of its own (SQLite: the browser tests are about
    the pages; the database tests cover PostgreSQL)."""
    require_browser()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('portal') / 'wdv.db'}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_migrate, url).result()
    portal = Portal(url="", database_url=url)
    creditor_key = in_thread(lambda: _seed(url, portal))
    settings = Settings(
        database_url=url,
        session_cookie_secure=False,  # plain http on loopback
        worker_in_process=False,
        routing_refresh_seconds=0,
        webhook_allow_local=True,
    )
    with serving(lambda _base: create_app(settings), lifespan="on") as base:
        portal.url = base

        async def caseworker_key() -> str:
            engine = create_engine(url)
            async with create_sessionmaker(engine)() as session, session.begin():
                organisation = await session.scalar(
                    select(Organisatie).where(Organisatie.naam == "Kredietbank Amsterdam Voorbeeld")
                )
                assert organisation is not None
                key = await organisations.create_key(session, organisatie_id=organisation.id)
            await engine.dispose()
            return key

        _api_referral_with_contact_attempt(base, creditor_key, in_thread(caseworker_key))
        yield portal


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for all tests of a module. Not for the session: while Playwright's synchronous
    API is open it keeps an event loop running in this thread, which the async tests need."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(portal: Portal, chromium: Any) -> Iterator[Any]:
    """A fresh browser window: Dutch, Amsterdam time, a desktop screen."""
    context = chromium.new_context(
        base_url=portal.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 900},
    )
    window = context.new_page()
    window.set_default_timeout(30_000)
    yield window
    context.close()
