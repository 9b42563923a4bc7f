"""The creditor's pages: the referral form goes through the specification and the intake of the
API, and the list shows what the creditor may know."""

import html
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clocks
from app.messages.specs import MessageKind
from app.messages.validation import data_violations
from app.organisations import service as organisations
from app.organisations.models import Rol as OrganisatieRol
from app.outbox import Uitgaand
from app.referrals.models import Afwijzing, Doorverwijzing, Verwerking
from app.web.templating import datum
from tests.conftest import Parties
from tests.portal.conftest import Browser, Person, csrf_of, log_in, text_of

AddPerson = Callable[..., Awaitable[Person]]
ADRES = {"postcode": "1012 lg", "huisnummer": "1"}
KLANT = {
    "toestemming": "ja",
    "toestemming_kanaal": "Telefoon",
    "voorletters": "J.",
    "achternaam": "Jansen",
    "telefoonnummer": "06-12345678",
    "bereikbaarheid": "na 17.00 uur",
    "bedrag": "1.312,75",
    "soort_vaste_last": "Water",
    "referentie": "W-1",
    "toelichting": "Ook een huurachterstand.",
}


@pytest.fixture
async def collector(web: httpx.AsyncClient, parties: Parties, add_person: AddPerson) -> httpx.AsyncClient:
    await log_in(web, await add_person(parties.water.id))
    return web


async def form_post(
    web: httpx.AsyncClient, actie: str, fields: dict[str, Any], page: str = ""
) -> httpx.Response:
    html = page or (await web.get("/meldpunt/nieuw")).text
    return await web.post("/meldpunt/nieuw", data={"csrf_token": csrf_of(html), "actie": actie} | fields)


def bericht_id(html: str) -> str:
    found = re.search(r'name="bericht_id" value="([^"]+)"', html)
    assert found
    return found.group(1)


def error_at(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-fout"><span class="wdv-visually-hidden">Fout: </span>([^<]+)<', page)
    assert found, f"an error is shown at {field}"
    return html.unescape(found.group(1))


async def send(web: httpx.AsyncClient, **changes: str) -> httpx.Response:
    step2 = await form_post(web, "zoek", ADRES)
    fields = ADRES | KLANT | {"bericht_id": bericht_id(step2.text)} | changes
    return await form_post(web, "versturen", fields, step2.text)


async def test_the_address_alone_shows_the_gemeente_and_uitvoerder_before_anything_personal(
    collector: httpx.AsyncClient,
) -> None:
    first = await collector.get("/meldpunt/nieuw")
    found = await form_post(collector, "zoek", ADRES)

    assert 'name="achternaam"' not in first.text
    assert found.status_code == 200
    text = text_of(found.text)
    assert "Gemeente Amsterdam : de schuldhulp doet Kredietbank Amsterdam ." in text
    assert "1012 LG 1" in text
    assert "Lees deze zin voor" in text
    assert "doorgeven aan Kredietbank Amsterdam voor de gemeente Amsterdam" in text
    assert 'name="achternaam"' in found.text


async def test_a_gemeente_without_uitvoerder_shows_where_the_resident_can_still_go(
    collector: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    found = await form_post(collector, "zoek", {"postcode": "3011AA", "huisnummer": "5"})

    text = text_of(found.text)
    assert "Gemeente Rotterdam doet nog niet mee aan de warme doorverwijzing" in text
    assert "Geldfit: bel 0800-8115" in text
    assert 'name="achternaam"' not in found.text
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Afwijzing))) == []  # a lookup stores nothing


async def test_an_unknown_address_says_so_and_points_to_geldfit(collector: httpx.AsyncClient) -> None:
    found = await form_post(collector, "zoek", {"postcode": "1000AA", "huisnummer": "1"})

    text = text_of(found.text)
    assert "Bij deze postcode en dit huisnummer kennen wij geen gemeente" in text
    assert "0800-8115" in text


@pytest.mark.parametrize(
    ("adres", "field", "message"),
    [
        ({"postcode": "1234 SS", "huisnummer": "1"}, "postcode", "Vul een postcode in zoals 1234 AB."),
        ({"postcode": "", "huisnummer": "1"}, "postcode", "Vul de postcode in."),
        ({"postcode": "1012LG", "huisnummer": "1a"}, "huisnummer", "Vul het huisnummer in cijfers in"),
        ({"postcode": "1012LG", "huisnummer": ""}, "huisnummer", "Vul het huisnummer in."),
    ],
)
async def test_an_address_that_cannot_exist_is_marked_at_its_field(
    collector: httpx.AsyncClient, adres: dict[str, str], field: str, message: str
) -> None:
    response = await form_post(collector, "zoek", adres)

    assert response.status_code == 400
    assert error_at(response.text, field).startswith(message)
    assert f'href="#{field}"' in response.text  # the summary links to the field


async def test_the_form_becomes_the_same_referral_as_the_api_would_take(
    collector: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await send(collector)

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?verstuurd=true")
    async with sessionmaker() as session:
        referral = await session.scalar(select(Doorverwijzing))
        assert referral is not None
        events = list(
            await session.scalars(select(Uitgaand).where(Uitgaand.doorverwijzing_id == referral.id))
        )
    assert location == f"/meldpunt/doorverwijzingen/{referral.id}?verstuurd=true"
    assert data_violations(MessageKind.DOORVERWIJZING, referral.bericht) == []
    assert referral.schuldeiser_id == parties.water.id
    assert referral.uitvoerder_id == parties.amsterdam.id
    assert referral.bericht["schuldeiser"] == {
        "oin": "00000001234567890000",
        "naam": "Waterbedrijf Voorbeeld",
        "soort": "Water",
    }
    assert referral.bericht["inwoner"] == {
        "voorletters": "J.",
        "achternaam": "Jansen",
        "adres": {"postcode": "1012 lg", "huisnummer": 1},
        "contact": {"telefoonnummer": "06-12345678", "bereikbaarheid": "na 17.00 uur"},
    }
    assert referral.bericht["achterstand"] == {"bedrag": 1312.75, "soortVasteLast": "Water"}
    assert referral.bericht["toestemming"] == {
        "gegeven": True,
        "datum": clocks.vandaag().isoformat(),
        "kanaal": "Telefoon",
    }
    assert [e.ontvanger_id for e in events] == [parties.amsterdam.id]  # the uitvoerder hears of it


async def test_the_confirmation_gives_the_dates_to_tell_the_customer(collector: httpx.AsyncClient) -> None:
    sent = await send(collector)

    page = await collector.get(sent.headers["location"])

    today = clocks.vandaag()
    text = text_of(page.text)
    assert "De doorverwijzing is verstuurd" in text
    contact = datum(clocks.contact_uiterlijk(today), weekday=True)
    hold = datum(clocks.incassostop_tot(today), weekday=True)
    assert f"Kredietbank Amsterdam (gemeente Amsterdam) neemt uiterlijk {contact} contact op." in text
    assert f"Wij stoppen de incasso tot en met {hold} ." in text


async def test_missing_answers_are_named_in_dutch_next_to_their_fields(collector: httpx.AsyncClient) -> None:
    step2 = await form_post(collector, "zoek", ADRES)
    response = await form_post(
        collector,
        "versturen",
        ADRES | {"bericht_id": bericht_id(step2.text), "toestemming_kanaal": "Telefoon"},
        step2.text,
    )

    assert response.status_code == 400
    assert error_at(response.text, "toestemming").startswith("Lees de zin over toestemming voor")
    assert error_at(response.text, "achternaam") == "Vul de achternaam in."
    assert error_at(response.text, "telefoonnummer") == "Vul een telefoonnummer of een e-mailadres in."
    assert error_at(response.text, "bedrag") == "Vul het bedrag van de achterstand in."
    assert error_at(response.text, "referentie") == "Vul uw dossiernummer in."
    assert "autofocus" in response.text.split('id="toestemming"')[1].split(">")[0]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"bedrag": "12,345"}, "bedrag", "Vul het bedrag in met hoogstens twee cijfers achter de komma."),
        ({"bedrag": "veel"}, "bedrag", "Vul een bedrag in euro's in, groter dan 0, zoals 245,50."),
        ({"bedrag": "0"}, "bedrag", "Vul een bedrag in euro's in, groter dan 0, zoals 245,50."),
        ({"telefoonnummer": "bel me"}, "telefoonnummer", "Vul een telefoonnummer in zoals 06-12345678"),
        ({"email": "geen adres"}, "email", "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        ({"ontstaansdatum": "2999-01-01"}, "ontstaansdatum", "Deze datum ligt in de toekomst."),
        ({"referentie": "x" * 65}, "referentie", "Een dossiernummer is hoogstens 64 tekens."),
    ],
)
async def test_answers_the_specification_refuses_are_explained_at_their_field(
    collector: httpx.AsyncClient, changes: dict[str, str], field: str, message: str
) -> None:
    response = await send(collector, **changes)

    assert response.status_code == 400
    assert error_at(response.text, field).startswith(message)
    assert 'value="Jansen"' in response.text  # nothing typed is lost


async def test_a_bsn_is_asked_only_of_creditors_with_a_legal_basis_and_checked(
    new_browser: Browser,
    parties: Parties,
    add_person: AddPerson,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        zorg = await organisations.add_organisatie(
            session,
            naam="Zorgverzekeraar Test",
            rol=OrganisatieRol.SCHULDEISER,
            kvk_nummer="11223344",
            signaalpartner="Zorg",
        )
    insurer = await new_browser()
    await log_in(insurer, await add_person(zorg.id))
    water = await new_browser()
    await log_in(water, await add_person(parties.water.id))

    water_form = await form_post(water, "zoek", ADRES)
    wrong = await send(insurer, burgerservicenummer="123456789")
    right = await send(insurer, burgerservicenummer="111222333")

    assert 'name="burgerservicenummer"' not in water_form.text
    assert error_at(wrong.text, "burgerservicenummer").startswith("Dit burgerservicenummer bestaat niet")
    assert right.status_code == 303
    async with sessionmaker() as session:
        referral = await session.scalar(
            select(Doorverwijzing).where(Doorverwijzing.schuldeiser_id == zorg.id)
        )
    assert referral is not None
    assert referral.bericht is not None
    assert referral.bericht["inwoner"]["burgerservicenummer"] == "111222333"
    insurer_form = await form_post(insurer, "zoek", ADRES)
    assert '<option value="Zorgverzekering" selected>' in insurer_form.text  # the creditor's own kind


async def test_sending_the_same_form_twice_makes_one_referral(
    collector: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    step2 = await form_post(collector, "zoek", ADRES)
    fields = ADRES | KLANT | {"bericht_id": bericht_id(step2.text)}

    first = await form_post(collector, "versturen", fields, step2.text)
    second = await form_post(collector, "versturen", fields, step2.text)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    async with sessionmaker() as session:
        assert len(list(await session.scalars(select(Doorverwijzing)))) == 1


async def test_a_second_open_referral_for_the_same_dossier_is_refused_with_a_link_to_the_first(
    collector: httpx.AsyncClient,
) -> None:
    first = await send(collector)

    second = await send(collector)

    assert second.status_code == 409
    assert error_at(second.text, "referentie") == "Voor dit dossiernummer loopt al een doorverwijzing."
    assert f'href="{first.headers["location"].split("?")[0]}"' in second.text


async def test_the_list_shows_the_partner_status_and_dates_and_searches_by_dossier(
    collector: httpx.AsyncClient,
) -> None:
    await send(collector, referentie="W-2026-001")
    await send(collector, referentie="W-2026-002")

    everything = text_of((await collector.get("/meldpunt")).text)
    searched = text_of((await collector.get("/meldpunt?referentie=002")).text)

    today = clocks.vandaag()
    assert "W-2026-001" in everything
    assert "W-2026-002" in everything
    assert (
        f"Ontvangen {datum(clocks.incassostop_tot(today))} {datum(clocks.contact_uiterlijk(today))}"
        in everything
    )
    assert "W-2026-002" in searched
    assert "W-2026-001" not in searched
    assert "Jansen" not in everything  # the list carries no personal data


async def test_reading_a_referral_in_the_portal_is_logged_and_other_creditors_see_nothing(
    collector: httpx.AsyncClient,
    new_browser: Browser,
    parties: Parties,
    add_person: AddPerson,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    location = (await send(collector)).headers["location"].split("?")[0]
    referral_id = uuid.UUID(location.rsplit("/", 1)[1])
    other = await new_browser()
    await log_in(other, await add_person(parties.energie.id))

    mine = await collector.get(location)
    theirs = await other.get(location)

    assert mine.status_code == 200
    assert "J. Jansen" in text_of(mine.text)
    assert theirs.status_code == 404
    assert "Niet gevonden" in theirs.text
    async with sessionmaker() as session:
        reads = list(
            await session.scalars(
                select(Verwerking).where(
                    Verwerking.doorverwijzing_id == referral_id, Verwerking.actie == "lezen"
                )
            )
        )
    assert [(r.organisatie_id, r.verwerkingsactiviteit) for r in reads] == [
        (parties.water.id, "warme-doorverwijzing")
    ]
    assert all(r.tijdstip <= datetime.now(UTC) for r in reads)
