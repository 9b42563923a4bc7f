"""The case worker's pages: the queue by contact deadline, its CSV, and a referral in full."""

import csv
import io
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clocks
from app.messages import types
from app.organisations.models import Organisatie
from app.referrals import intake
from app.referrals.models import Doorverwijzing, Verwerking
from app.web.templating import datum
from tests.conftest import Parties, example
from tests.portal.conftest import Browser, Person, log_in, text_of

AddPerson = Callable[..., Awaitable[Person]]


def received_on(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=clocks.AMSTERDAM).astimezone(UTC)


def day_with_deadline(deadline: date) -> date:
    """A day of receipt whose contact deadline is `deadline`."""
    day = deadline
    while clocks.contact_uiterlijk(day) > deadline or not clocks.is_werkdag(day):
        day -= timedelta(days=1)
    assert clocks.contact_uiterlijk(day) == deadline
    return day


async def refer(
    sessionmaker: async_sessionmaker[AsyncSession],
    app: FastAPI,
    parties: Parties,
    *,
    referentie: str,
    on: date,
    postcode: str = "1012LG",
    crisis: bool = False,
) -> uuid.UUID:
    """A referral received on `on`, through the intake (as the API or the form would)."""
    message = json.loads(example("doorverwijzing", "valid-minimaal.json"))
    message["berichtId"] = str(uuid.uuid4())
    message["referentie"] = referentie
    message["inwoner"]["adres"]["postcode"] = postcode
    message["crisissignaal"] = crisis
    message["toestemming"]["datum"] = on.isoformat()
    async with sessionmaker() as session, session.begin():
        water = await session.get(Organisatie, parties.water.id)
        assert water is not None
        outcome = await intake.receive(
            session,
            schuldeiser=water,
            message=cast(types.Doorverwijzing, message),
            routing=app.state.routing,
            now=received_on(on),
        )
    assert isinstance(outcome, intake.Accepted)
    return outcome.doorverwijzing.id


@pytest.fixture
async def caseworker(web: httpx.AsyncClient, parties: Parties, add_person: AddPerson) -> httpx.AsyncClient:
    await log_in(web, await add_person(parties.amsterdam.id))
    return web


def queue_rows(page: str) -> list[str]:
    body = page.split('<tbody class="utrecht-table__body">')[1].split("</tbody>")[0]
    return [text_of(row) for row in body.split("</tr>")[:-1]]


async def test_the_queue_puts_the_earliest_deadline_first_and_marks_overdue_and_due_today(
    caseworker: httpx.AsyncClient,
    portal_app: FastAPI,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    today = clocks.vandaag()
    await refer(sessionmaker, portal_app, parties, referentie="NIEUW", on=today)
    await refer(sessionmaker, portal_app, parties, referentie="VANDAAG", on=day_with_deadline(today))
    await refer(
        sessionmaker, portal_app, parties, referentie="LAAT", on=today - timedelta(days=14), crisis=True
    )

    page = await caseworker.get("/werkvoorraad")

    rows = queue_rows(page.text)
    assert [row.split("Waterbedrijf Voorbeeld ")[1].split()[0] for row in rows] == [
        "LAAT",
        "VANDAAG",
        "NIEUW",
    ]
    late = clocks.werkdagen_tussen(clocks.contact_uiterlijk(today - timedelta(days=14)), today)
    assert f"Crisis {late} werkdagen te laat" in rows[0]
    assert "Vandaag" in rows[1]
    assert f"{datum(clocks.contact_uiterlijk(today))} 3 Amsterdam" in rows[2]
    assert page.text.count("wdv-queue--te-laat") == 1
    assert page.text.count("wdv-queue--vandaag") == 1


async def test_the_queue_filters_by_gemeente_and_status_and_holds_only_its_own_referrals(
    new_browser: Browser,
    portal_app: FastAPI,
    parties: Parties,
    add_person: AddPerson,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    today = clocks.vandaag()
    await refer(sessionmaker, portal_app, parties, referentie="TIEL", on=today, postcode="4001AA")
    await refer(sessionmaker, portal_app, parties, referentie="BETUWE", on=today, postcode="4191AA")
    await refer(sessionmaker, portal_app, parties, referentie="AMSTERDAM", on=today)
    rivierenland = await new_browser()
    await log_in(rivierenland, await add_person(parties.rivierenland.id))

    everything = text_of((await rivierenland.get("/werkvoorraad")).text)
    tiel = text_of((await rivierenland.get("/werkvoorraad?gemeente=0281")).text)
    closed = text_of((await rivierenland.get("/werkvoorraad?status=afgesloten")).text)
    nonsense = await rivierenland.get("/werkvoorraad?gemeente=xyz&status=geen")

    assert "TIEL" in everything
    assert "BETUWE" in everything
    assert "AMSTERDAM" not in everything
    assert "TIEL" in tiel
    assert "BETUWE" not in tiel
    assert "Er staan geen doorverwijzingen in de werkvoorraad met deze filters." in closed
    assert nonsense.status_code == 200


async def test_the_queue_downloads_as_csv_in_the_same_order_without_personal_data(
    caseworker: httpx.AsyncClient,
    portal_app: FastAPI,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    today = clocks.vandaag()
    first = await refer(sessionmaker, portal_app, parties, referentie="EERST", on=today - timedelta(days=1))
    second = await refer(sessionmaker, portal_app, parties, referentie="DAARNA", on=today)

    response = await caseworker.get("/werkvoorraad/export.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="werkvoorraad-{today}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["doorverwijzingId"], r["referentie"]) for r in rows] == [
        (str(first), "EERST"),
        (str(second), "DAARNA"),
    ]
    assert rows[1]["contactUiterlijk"] == clocks.contact_uiterlijk(today).isoformat()
    assert rows[1]["werkdagenOver"] == "3"
    assert rows[1]["gemeente"] == "Amsterdam"
    assert "Jansen" not in response.text
    assert "06-" not in response.text


async def test_the_referral_page_shows_what_the_uitvoerder_may_see_and_logs_the_read(
    caseworker: httpx.AsyncClient,
    portal_app: FastAPI,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    referral_id = await refer(sessionmaker, portal_app, parties, referentie="DOSSIER-9", on=clocks.vandaag())
    async with sessionmaker() as session:
        referral = await session.get(Doorverwijzing, referral_id)
        assert referral is not None
        assert referral.bericht is not None
        bericht = referral.bericht

    page = await caseworker.get(f"/werkvoorraad/doorverwijzingen/{referral_id}")

    assert page.status_code == 200
    text = text_of(page.text)
    inwoner = bericht["inwoner"]
    assert inwoner["achternaam"] in text
    assert inwoner["contact"]["telefoonnummer"] in text
    assert "Waterbedrijf Voorbeeld" in text
    assert "DOSSIER-9" in text
    assert "Doorverwijzing ontvangen" in text  # the history
    assert inwoner["achternaam"] not in page.text.split("</title>")[0]  # no name in the browser's history
    async with sessionmaker() as session:
        reads = list(await session.scalars(select(Verwerking).where(Verwerking.actie == "lezen")))
    assert [(r.organisatie_id, r.doorverwijzing_id) for r in reads] == [(parties.amsterdam.id, referral_id)]


async def test_another_uitvoerders_referral_is_not_found(
    new_browser: Browser,
    portal_app: FastAPI,
    parties: Parties,
    add_person: AddPerson,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    referral_id = await refer(sessionmaker, portal_app, parties, referentie="A-1", on=clocks.vandaag())
    rivierenland = await new_browser()
    await log_in(rivierenland, await add_person(parties.rivierenland.id))

    page = await rivierenland.get(f"/werkvoorraad/doorverwijzingen/{referral_id}")
    nonsense = await rivierenland.get("/werkvoorraad/doorverwijzingen/geen-id")

    assert page.status_code == nonsense.status_code == 404
    assert "Niet gevonden" in page.text
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Verwerking).where(Verwerking.actie == "lezen"))) == []
