"""The contact promise as the parties see it (DESIGN §6): kept only by contact with the resident,
four outcomes on the view, the Terugmelding and the timer alike, and a re-routed referral's clocks
counting from the re-routing.

Referrals are taken in as if received on Monday 3 March 2025: contact by Thursday 6 March.
"""

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.referrals.lifecycle import Status
from app.worker import run_once
from tests.conftest import Parties
from tests.support.factories import received, reported, withdrawn
from tests.support.lifecycle import GEEN_INWONER, contactpoging, history, moved, report

S = Status
UITERLIJK = date(2025, 3, 6)
TIEL_ADRES = {"straatnaam": "Voorbeeldstraat", "huisnummer": 12, "postcode": "4062 AB", "woonplaats": "Tiel"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def received_on_3_march(sessionmaker: async_sessionmaker[AsyncSession], parties: Parties) -> str:
    return await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))


async def klokken(client: httpx.AsyncClient, path: str, party: Any) -> dict[str, Any]:
    response = await client.get(path, headers=party.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["klokken"]
    return found


async def terugmelding(client: httpx.AsyncClient, path: str, parties: Parties) -> dict[str, Any]:
    response = await client.get(f"{path}/terugmelding", headers=parties.water.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def deadline_events(sessionmaker: async_sessionmaker[AsyncSession], path: str) -> int:
    return sum(1 for entry in await history(sessionmaker, path) if entry.soort == "contacttermijn-verstreken")


async def run(sessionmaker: async_sessionmaker[AsyncSession], database_url: str, day: date) -> None:
    await run_once(sessionmaker, Settings(database_url=database_url), now=at(day))


# --- only contact with the resident keeps the promise -------------------------------------------


@pytest.mark.parametrize("soort", ["Administratief", "Onbekend"])
async def test_an_attempt_that_is_no_contact_with_the_resident_leaves_the_promise_unkept(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], soort: str
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    response = await report(
        client, parties.amsterdam, path, contactpoging(bereikt=False, datum=date(2025, 3, 4), soort=soort)
    )

    assert response.status_code == 200
    assert response.json()["klokken"]["werkdagenTotEersteContactpoging"] is None
    assert response.json()["klokken"]["contactTermijn"] == "niet_gehaald"  # 6 March is long past
    assert (await terugmelding(client, path, parties))["contactTermijn"] == "niet_gehaald"


async def test_an_administrative_step_does_not_stop_the_deadline_timer(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(sessionmaker, parties)
    administratief = contactpoging(bereikt=False, datum=date(2025, 3, 4), soort="Administratief")
    moved(await report(client, parties.amsterdam, path, administratief))

    await run(sessionmaker, database_url, date(2025, 3, 7))

    assert await deadline_events(sessionmaker, path) == 1


async def test_a_later_letter_after_an_administrative_step_is_the_first_contact(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)
    moved(
        await report(
            client,
            parties.amsterdam,
            path,
            contactpoging(bereikt=False, datum=date(2025, 3, 4), soort="Administratief"),
        )
    )

    response = await report(
        client, parties.amsterdam, path, contactpoging(bereikt=False, datum=date(2025, 3, 5), soort="Brief")
    )

    assert response.json()["klokken"]["werkdagenTotEersteContactpoging"] == 2
    assert response.json()["klokken"]["contactTermijn"] == "gehaald"


async def test_reaching_someone_in_an_attempt_of_unknown_kind_is_contact_gelegd_but_keeps_no_promise(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    response = await report(
        client, parties.amsterdam, path, contactpoging(bereikt=True, datum=date(2025, 3, 4), soort="Onbekend")
    )

    view = response.json()
    assert view["status"] == "contact_gelegd"
    assert view["klokken"]["werkdagenTotContact"] == 1
    assert view["klokken"]["contactTermijn"] == "niet_gehaald"


async def test_reporting_that_the_person_was_reached_keeps_the_promise_on_that_day(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    await reported(sessionmaker, parties.amsterdam, path, S.CONTACT_GELEGD, on=at(date(2025, 3, 5)))

    found = await klokken(client, path, parties.amsterdam)
    assert (found["contactTermijn"], found["werkdagenTotEersteContactpoging"]) == ("gehaald", 2)


# --- not applicable: withdrawn, or closed for a reason that owes no contact ---------------------


async def test_a_referral_withdrawn_before_the_deadline_owed_no_contact(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(sessionmaker, parties)
    await withdrawn(sessionmaker, parties.water, path, on=at(date(2025, 3, 5)))

    await run(sessionmaker, database_url, date(2025, 3, 7))

    assert (await klokken(client, path, parties.water))["contactTermijn"] == "niet_van_toepassing"
    assert (await terugmelding(client, path, parties))["contactTermijn"] == "niet_van_toepassing"
    assert await deadline_events(sessionmaker, path) == 0


async def test_a_referral_withdrawn_after_a_missed_deadline_missed_it(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    await withdrawn(sessionmaker, parties.water, path, on=at(date(2025, 3, 10)))

    assert (await klokken(client, path, parties.water))["contactTermijn"] == "niet_gehaald"


@pytest.mark.parametrize(
    "reden",
    [
        "Inwoner al bekend bij schuldhulpverlening",
        "Inwoner is overleden",
        "Niet opgepakt: onterecht signaal",
        "Niet opgepakt: herhaalde melding",
    ],
)
async def test_not_taking_up_before_the_deadline_for_a_reason_owing_no_contact_is_not_applicable(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    reden: str,
) -> None:
    path = await received_on_3_march(sessionmaker, parties)
    await reported(
        sessionmaker, parties.amsterdam, path, S.NIET_OPGEPAKT, on=at(date(2025, 3, 4)), reden=reden
    )

    await run(sessionmaker, database_url, date(2025, 3, 7))

    assert (await klokken(client, path, parties.amsterdam))["contactTermijn"] == "niet_van_toepassing"
    assert (await terugmelding(client, path, parties))["contactTermijn"] == "niet_van_toepassing"
    assert await deadline_events(sessionmaker, path) == 0


async def test_a_referral_closed_as_known_already_before_the_deadline_is_not_applicable(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    await reported(
        sessionmaker,
        parties.amsterdam,
        path,
        S.AFGESLOTEN,
        on=at(date(2025, 3, 4)),
        eindresultaat="Inwoner al bekend bij schuldhulpverlening",
    )

    assert (await klokken(client, path, parties.amsterdam))["contactTermijn"] == "niet_van_toepassing"


async def test_not_taking_a_referral_up_for_another_reason_before_the_deadline_misses_it(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    await reported(
        sessionmaker,
        parties.amsterdam,
        path,
        S.NIET_OPGEPAKT,
        on=at(date(2025, 3, 4)),
        reden="Niet opgepakt: andere reden",
    )

    assert (await klokken(client, path, parties.amsterdam))["contactTermijn"] == "niet_gehaald"


async def test_the_terugmelding_of_a_new_referral_says_the_promise_is_open(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=datetime.now(UTC))

    assert (await terugmelding(client, path, parties))["contactTermijn"] == "open"
    assert (await klokken(client, path, parties.water))["contactTermijn"] == "open"


# --- a re-routed referral's clocks --------------------------------------------------------------


async def rerouted_on_6_march(sessionmaker: async_sessionmaker[AsyncSession], parties: Parties) -> str:
    """Received Monday 3 March, sent on to Tiel on Thursday 6 March: contact by Tuesday 11 March."""
    path = await received_on_3_march(sessionmaker, parties)
    await reported(
        sessionmaker,
        parties.amsterdam,
        path,
        S.NIET_OPGEPAKT,
        on=at(date(2025, 3, 6), 14),
        reden=GEEN_INWONER,
        nieuwAdres=TIEL_ADRES,
    )
    return path


async def test_a_re_routed_referrals_deadline_and_working_days_count_from_the_re_routing(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await rerouted_on_6_march(sessionmaker, parties)

    response = await report(
        client, parties.rivierenland, path, contactpoging(bereikt=False, datum=date(2025, 3, 10))
    )

    view = response.json()
    assert view["contactUiterlijk"] == "2025-03-11"
    assert view["klokken"]["klokkenVanaf"] == "2025-03-06T14:00:00Z"
    assert view["klokken"]["klokkenVanafReden"] == "herroutering"
    assert view["klokken"]["werkdagenTotEersteContactpoging"] == 2
    assert view["klokken"]["contactTermijn"] == "gehaald"


async def test_the_clocks_of_a_referral_never_re_routed_count_from_its_receipt(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received_on_3_march(sessionmaker, parties)

    found = await klokken(client, path, parties.amsterdam)

    assert (found["klokkenVanaf"], found["klokkenVanafReden"]) == ("2025-03-03T09:00:00Z", "ontvangst")


async def test_the_creditor_is_not_shown_where_the_clocks_count_from(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await rerouted_on_6_march(sessionmaker, parties)

    found = await klokken(client, path, parties.water)

    assert found["klokkenVanaf"] is None
    assert found["klokkenVanafReden"] is None


async def test_an_attempt_dated_before_the_referral_reached_the_new_uitvoerder_is_refused(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await rerouted_on_6_march(sessionmaker, parties)

    response = await report(
        client, parties.rivierenland, path, contactpoging(bereikt=False, datum=date(2025, 3, 5))
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "detail": "lies before the day the referral was routed to this uitvoerder",
            "pointer": "/contactpoging/datum",
            "code": "voor-ontvangst",
        }
    ]
