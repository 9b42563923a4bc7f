"""Logging in to the portal: cookies, CSRF, throttling, roles, logging out."""

import re
from collections.abc import Awaitable, Callable

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import Rol, Sessie
from app.main import create_app
from tests.conftest import Parties
from tests.portal.conftest import HTML, Browser, Person, csrf_of, log_in, portal_settings, submit, text_of

AddPerson = Callable[..., Awaitable[Person]]


async def test_the_root_is_a_landing_page_linking_to_the_login_and_the_api_docs(
    web: httpx.AsyncClient,
) -> None:
    page = await web.get("/")
    docs = await web.get("/v1/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/inloggen"' in page.text
    assert 'href="/v1/docs"' in page.text
    assert docs.status_code == 200


async def test_pages_are_not_in_the_openapi_document(web: httpx.AsyncClient) -> None:
    document = (await web.get("/v1/openapi.json", headers={"Accept": "application/json"})).json()

    assert not [
        path for path in document["paths"] if path.split("/")[1] in ("inloggen", "meldpunt", "beheer")
    ]
    assert all(path.startswith("/") and not path.startswith("/werkvoorraad") for path in document["paths"])


async def test_a_page_asks_to_log_in_first_and_returns_there_afterwards(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)

    refused = await web.get("/meldpunt")
    logged_in = await log_in(web, person, volgende="/meldpunt")
    page = await web.get("/meldpunt")

    assert refused.status_code == 303
    assert refused.headers["location"] == "/inloggen?volgende=/meldpunt"
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/meldpunt"
    assert page.status_code == 200
    assert "Doorverwijzingen" in page.text


async def test_the_session_cookie_is_httponly_secure_samesite_and_host_only(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)

    response = await log_in(web, person)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-wdv-sessie=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
    assert not any(part.startswith(("domain", "max-age", "expires")) for part in attributes)


async def test_the_sandbox_setting_drops_the_secure_flag_for_plain_http(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    application = create_app(portal_settings(database_url, session_cookie_secure=False))
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=HTML
        ) as plain:
            page = await plain.get("/inloggen")

    cookie = page.headers["set-cookie"]
    assert cookie.startswith("wdv-sessie=")
    assert "secure" not in cookie.lower()
    assert "httponly" in cookie.lower()


async def test_logging_in_starts_a_new_session_instead_of_keeping_the_anonymous_one(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)
    await web.get("/inloggen")
    before = web.cookies.get("__Host-wdv-sessie")

    await log_in(web, person)

    after = web.cookies.get("__Host-wdv-sessie")
    assert before
    assert after
    assert before != after


async def test_a_wrong_password_is_refused_in_dutch_and_logs_nobody_in(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)

    response = await log_in(web, Person(person.email, "niet het wachtwoord"))
    afterwards = await web.get("/meldpunt")

    assert response.status_code == 401
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.text
    assert afterwards.status_code == 303


async def test_repeated_failures_lock_the_account_with_a_clear_message(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)
    for _ in range(2):
        await log_in(web, Person(person.email, "fout"))

    locked = await log_in(web, Person(person.email, "fout"))
    right_password = await log_in(web, person)

    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 800
    assert "Te veel mislukte inlogpogingen voor dit account. Probeer het over 15 minuten opnieuw" in text_of(
        locked.text
    )
    assert right_password.status_code == 429


async def test_many_failures_from_one_connection_lock_that_connection(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)
    for i in range(6):
        await log_in(web, Person(f"gok{i}@voorbeeld.example", "fout"))

    response = await log_in(web, person)

    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen voor deze verbinding" in response.text


async def test_a_login_without_the_forms_csrf_token_is_refused(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)
    await web.get("/inloggen")

    missing = await web.post("/inloggen", data={"email": person.email, "wachtwoord": person.password})
    wrong = await web.post(
        "/inloggen", data={"csrf_token": "geraden", "email": person.email, "wachtwoord": person.password}
    )

    assert missing.status_code == wrong.status_code == 403
    assert "Het formulier is verlopen of hoort niet bij uw sessie." in missing.text
    assert "set-cookie" not in wrong.headers or "wdv-sessie=" not in wrong.headers["set-cookie"]


async def test_a_non_browser_client_is_refused_with_a_problem(web: httpx.AsyncClient) -> None:
    response = await web.post("/inloggen", data={}, headers={"Accept": "application/json"})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:nld:warme-doorverwijzing:probleem:csrf-token-ongeldig"


async def test_only_a_path_on_this_site_is_followed_after_login(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)

    response = await log_in(web, person, volgende="//elders.example/nep")

    assert response.headers["location"] == "/start"


async def test_logging_out_ends_the_session_on_the_server(
    web: httpx.AsyncClient,
    parties: Parties,
    add_person: AddPerson,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    person = await add_person(parties.water.id)
    await log_in(web, person)
    stolen = web.cookies.get("__Host-wdv-sessie")

    response = await submit(web, "/uitloggen", {}, form_page="/meldpunt")

    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?uitgelogd=true"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Sessie)) == 0
    web.cookies.set("__Host-wdv-sessie", stolen or "", domain="testserver")
    assert (await web.get("/meldpunt")).status_code == 303


async def test_logging_out_needs_the_csrf_token(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id)
    await log_in(web, person)

    response = await web.post("/uitloggen", data={})

    assert response.status_code == 403
    assert (await web.get("/meldpunt")).status_code == 200


async def test_each_role_starts_on_its_own_page(
    new_browser: Browser, parties: Parties, add_person: AddPerson
) -> None:
    starts = {}
    for name, organisatie_id in (("schuldeiser", parties.water.id), ("uitvoerder", parties.amsterdam.id)):
        web = await new_browser()
        await log_in(web, await add_person(organisatie_id))
        starts[name] = (await web.get("/start")).headers["location"]

    assert starts == {"schuldeiser": "/meldpunt", "uitvoerder": "/werkvoorraad"}


async def test_pages_of_another_role_or_kind_of_organisation_are_refused(
    new_browser: Browser, parties: Parties, add_person: AddPerson
) -> None:
    creditor = await new_browser()
    await log_in(creditor, await add_person(parties.water.id))
    caseworker = await new_browser()
    await log_in(caseworker, await add_person(parties.amsterdam.id))

    queue = await creditor.get("/werkvoorraad")
    form = await caseworker.get("/meldpunt/nieuw")
    admin = await creditor.get("/beheer/gebruikers")

    assert queue.status_code == form.status_code == admin.status_code == 403
    assert "Deze pagina is voor een ander soort organisatie." in queue.text
    assert "Deze pagina hoort niet bij uw rol." in admin.text


async def test_an_evaluator_sees_no_referral_pages(web: httpx.AsyncClient, add_person: AddPerson) -> None:
    await log_in(web, await add_person(None, Rol.EVALUATOR))

    start = await web.get("/start")

    assert start.status_code == 200
    assert "Als evaluator ziet u alleen totalen" in start.text
    for path in ("/meldpunt", "/werkvoorraad", "/beheer/gebruikers"):
        assert (await web.get(path)).status_code == 403


async def test_a_person_of_two_organisations_chooses_one_after_login(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson
) -> None:
    person = await add_person(parties.water.id, email="twee@voorbeeld.example")
    await add_person(parties.amsterdam.id, email="twee@voorbeeld.example")

    response = await log_in(web, person)
    choice = await web.get("/organisatie-kiezen")
    options = {
        label: ident for ident, label in re.findall(r'for="rol-([0-9a-f-]{36})">([^<]+)</label>', choice.text)
    }
    chosen = await web.post(
        "/organisatie-kiezen",
        data={
            "csrf_token": csrf_of(choice.text),
            "lidmaatschap": options["Kredietbank Amsterdam (medewerker)"],
        },
    )

    assert response.headers["location"] == "/organisatie-kiezen"
    assert sorted(options) == ["Kredietbank Amsterdam (medewerker)", "Waterbedrijf Voorbeeld (medewerker)"]
    assert chosen.headers["location"] == "/start"
    assert (await web.get("/start")).headers["location"] == "/werkvoorraad"


async def test_a_person_changes_their_password_with_the_current_one(
    web: httpx.AsyncClient, parties: Parties, add_person: AddPerson, new_browser: Browser
) -> None:
    person = await add_person(parties.water.id)
    await log_in(web, person)

    wrong = await submit(web, "/wachtwoord", {"huidig": "fout", "nieuw": "x" * 12, "herhaling": "x" * 12})
    changed = await submit(
        web,
        "/wachtwoord",
        {
            "huidig": person.password,
            "nieuw": "een ander lang wachtwoord",
            "herhaling": "een ander lang wachtwoord",
        },
    )
    old = await log_in(await new_browser(), person)
    new = await log_in(await new_browser(), Person(person.email, "een ander lang wachtwoord"))

    assert wrong.status_code == 400
    assert "Uw huidige wachtwoord klopt niet." in wrong.text
    assert changed.status_code == 200
    assert "Uw wachtwoord is gewijzigd" in changed.text
    assert (await web.get("/meldpunt")).status_code == 200  # this browser stays logged in
    assert old.status_code == 401
    assert new.status_code == 303


async def test_a_form_post_larger_than_the_limit_is_refused_before_it_is_read(web: httpx.AsyncClient) -> None:
    await web.get("/inloggen")

    response = await web.post("/inloggen", data={"email": "x" * 70_000})

    assert response.status_code == 413
    assert "Te veel gegevens" in response.text
