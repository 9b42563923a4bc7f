"""The administrator's pages: people, API keys and webhooks of the own organisation."""

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import Rol
from app.delivery import service as delivery
from app.delivery import subscriptions
from app.delivery.channels import Outcome
from app.delivery.models import Abonnement, Bezorging
from app.organisations.models import Organisatie
from tests.conftest import Parties
from tests.portal.conftest import Browser, Person, csrf_of, log_in, submit, text_of

AddPerson = Callable[..., Awaitable[Person]]


@pytest.fixture
async def admin(web: httpx.AsyncClient, parties: Parties, add_person: AddPerson) -> httpx.AsyncClient:
    await log_in(web, await add_person(parties.amsterdam.id, Rol.BEHEERDER, email="beheer@amsterdam.example"))
    return web


def shown_once(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]+)</code>', page)
    assert found, f"the page shows {element_id}"
    return found.group(1)


async def test_an_administrator_adds_a_colleague_who_logs_in_with_the_password_shown_once(
    admin: httpx.AsyncClient, new_browser: Browser
) -> None:
    added = await submit(
        admin,
        "/beheer/gebruikers",
        {"naam": "Karin de Vries", "email": "Karin@Amsterdam.example", "rol": "medewerker"},
    )
    listed = await admin.get("/beheer/gebruikers")

    password = shown_once(added.text, "tijdelijk-wachtwoord")
    assert "karin@amsterdam.example kan nu inloggen" in text_of(added.text)
    assert "Karin de Vries karin@amsterdam.example medewerker nooit" in text_of(listed.text)
    assert password not in listed.text
    colleague = await new_browser()
    assert (await log_in(colleague, Person("karin@amsterdam.example", password))).status_code == 303
    assert (await colleague.get("/werkvoorraad")).status_code == 200


async def test_adding_someone_needs_a_name_and_an_email_address(admin: httpx.AsyncClient) -> None:
    response = await submit(
        admin, "/beheer/gebruikers", {"naam": "", "email": "geen adres", "rol": "medewerker"}
    )
    wrong_email = await submit(
        admin, "/beheer/gebruikers", {"naam": "Piet", "email": "geen adres", "rol": "medewerker"}
    )

    assert response.status_code == wrong_email.status_code == 400
    assert "Vul de naam in." in response.text
    assert "Vul een geldig e-mailadres in" in wrong_email.text


async def test_a_deactivated_colleague_is_logged_out_at_once_and_cannot_log_in(
    admin: httpx.AsyncClient,
    new_browser: Browser,
    parties: Parties,
    add_person: AddPerson,
) -> None:
    colleague_person = await add_person(parties.amsterdam.id, email="piet@amsterdam.example")
    colleague = await new_browser()
    await log_in(colleague, colleague_person)
    page = await admin.get("/beheer/gebruikers")
    role_id = re.findall(r'action="/beheer/gebruikers/([0-9a-f-]{36})/deactiveren"', page.text)

    response = await admin.post(
        f"/beheer/gebruikers/{role_id[0]}/deactiveren", data={"csrf_token": csrf_of(page.text)}
    )

    assert len(role_id) == 1  # not for oneself
    assert response.headers["location"] == "/beheer/gebruikers?melding=gedeactiveerd"
    assert (await colleague.get("/werkvoorraad")).status_code == 303
    assert (await log_in(await new_browser(), colleague_person)).status_code == 401
    assert "gedeactiveerd" in (await admin.get("/beheer/gebruikers")).text


async def test_staff_cannot_manage_people_and_forms_need_their_token(
    admin: httpx.AsyncClient, new_browser: Browser, parties: Parties, add_person: AddPerson
) -> None:
    staff = await new_browser()
    await log_in(staff, await add_person(parties.amsterdam.id))

    page = await staff.get("/beheer/gebruikers")
    forged = await admin.post("/beheer/gebruikers", data={"naam": "Indringer", "email": "x@y.example"})

    assert page.status_code == 403
    assert forged.status_code == 403
    assert "Indringer" not in (await admin.get("/beheer/gebruikers")).text


async def test_an_api_key_made_in_the_portal_works_until_it_is_revoked(
    admin: httpx.AsyncClient, new_browser: Browser
) -> None:
    api = await new_browser()
    created = await submit(admin, "/beheer/api-sleutels", {"omschrijving": "zaaksysteem"})
    key = shown_once(created.text, "nieuwe-sleutel")
    auth = {"Authorization": f"Bearer {key}", "Accept": "application/json"}

    before = await api.get("/v1/berichten", headers=auth)
    listed = await admin.get("/beheer/api-sleutels")
    key_id = re.findall(r'action="/beheer/api-sleutels/([0-9a-f-]{36})/intrekken"', listed.text)[0]
    revoked = await admin.post(
        f"/beheer/api-sleutels/{key_id}/intrekken", data={"csrf_token": csrf_of(listed.text)}
    )
    after = await api.get("/v1/berichten", headers=auth)

    assert key.startswith("wdv_")
    assert before.status_code == 200
    assert f"{key[:10]}…" in listed.text
    assert key not in listed.text
    assert "zaaksysteem" in listed.text
    assert revoked.headers["location"] == "/beheer/api-sleutels?melding=ingetrokken"
    assert after.status_code == 401
    assert "ingetrokken op" in (await admin.get("/beheer/api-sleutels")).text


async def test_another_organisations_key_cannot_be_revoked(
    admin: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from app.organisations.models import ApiSleutel

    async with sessionmaker() as session:
        theirs = await session.scalar(select(ApiSleutel).where(ApiSleutel.organisatie_id == parties.water.id))
    assert theirs is not None
    page = await admin.get("/beheer/api-sleutels")

    response = await admin.post(
        f"/beheer/api-sleutels/{theirs.id}/intrekken", data={"csrf_token": csrf_of(page.text)}
    )

    assert response.status_code == 404
    async with sessionmaker() as session:
        still = await session.get(ApiSleutel, theirs.id)
        assert still is not None
        assert still.ingetrokken_op is None


async def test_a_webhook_subscription_shows_its_secret_once_and_rotates(
    admin: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    created = await submit(
        admin,
        "/beheer/webhooks",
        {"url": "http://127.0.0.1:9/webhooks", "soorten": ["status-gewijzigd", "ingetrokken"]},
    )
    secret = shown_once(created.text, "webhook-geheim")
    listed = await admin.get("/beheer/webhooks")
    subscription_id = re.findall(r'action="/beheer/webhooks/([0-9a-f-]{36})/secret-rotatie"', listed.text)[0]
    rotated = await admin.post(
        f"/beheer/webhooks/{subscription_id}/secret-rotatie", data={"csrf_token": csrf_of(listed.text)}
    )

    assert secret.startswith("whsec_")
    assert secret not in listed.text
    assert "http://127.0.0.1:9/webhooks Ingetrokken door de schuldeiser, Status gewijzigd actief" in text_of(
        listed.text
    )
    new_secret = shown_once(rotated.text, "webhook-geheim")
    assert new_secret != secret
    assert "Het vorige geheim ondertekent nog mee tot" in text_of(rotated.text)
    async with sessionmaker() as session:
        stored = await session.get(Abonnement, uuid.UUID(subscription_id))
        assert stored is not None
        assert (stored.organisatie_id, stored.secret, stored.vorig_secret) == (
            parties.amsterdam.id,
            new_secret,
            secret,
        )


@pytest.mark.parametrize("url", ["ftp://bestanden.example/in", "", "https://"])
async def test_a_webhook_address_that_cannot_receive_is_refused_at_its_field(
    admin: httpx.AsyncClient, url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await submit(admin, "/beheer/webhooks", {"url": url})

    assert response.status_code == 400
    assert 'id="url-fout"' in response.text
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Abonnement))) == []


async def test_a_failed_delivery_is_listed_and_replayed(
    admin: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        amsterdam = await session.get(Organisatie, parties.amsterdam.id)
        assert amsterdam is not None
        found = await subscriptions.subscribe(
            session, organisatie=amsterdam, url="https://zaak.example/in", event_types=[], now=now
        )
        sent = await subscriptions.send_test_event(session, found, now=now)
        outcome = Outcome(statuscode=500, duur_ms=12, antwoord="kapot", fout=None)
        await delivery.record_outcome(session, sent, outcome, now=now, next_delay=None)
        delivery_id = sent.id

    page = await admin.get("/beheer/webhooks")
    replayed = await admin.post(
        f"/beheer/bezorgingen/{delivery_id}/opnieuw", data={"csrf_token": csrf_of(page.text)}
    )

    assert "https://zaak.example/in 1 HTTP 500" in text_of(page.text)
    assert replayed.headers["location"] == "/beheer/webhooks?melding=opnieuw"
    async with sessionmaker() as session:
        again = await session.get(Bezorging, delivery_id)
        assert again is not None
        assert (again.status, again.pogingen) == ("wachtend", 0)
    assert "Geen mislukte bezorgingen." in (await admin.get("/beheer/webhooks")).text
