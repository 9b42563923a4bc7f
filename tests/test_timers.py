"""The clocks that run by themselves (DESIGN §6): the contact deadline and the end of the
incassostop, each reported once, also when two workers run at the same time.

The worker runs at controlled moments; referrals are taken in as if received on Monday 3 March
2025: contact by Thursday 6 March, incassostop until 2 April.
"""

import asyncio
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.worker import run_once
from tests.conftest import Parties
from tests.support.factories import received
from tests.support.lifecycle import (
    contactpoging,
    history,
    message,
    outbox,
    post,
    report,
    withdraw,
)

EVENT = "nl.schuldhulp.warme-doorverwijzing."
CONTACT_UITERLIJK = date(2025, 3, 6)
INCASSOSTOP_TOT = date(2025, 4, 2)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def received_on_3_march(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> str:
    return await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))


async def run(sessionmaker: async_sessionmaker[AsyncSession], database_url: str, day: date) -> int:
    return await run_once(sessionmaker, Settings(database_url=database_url), now=at(day))


async def fired(
    sessionmaker: async_sessionmaker[AsyncSession], path: str, soort: str
) -> list[dict[str, str]]:
    """The details of each history entry of this kind, in order."""
    return [e.gegevens for e in await history(sessionmaker, path) if e.soort == soort]


# --- the contact deadline ---------------------------------------------------------------------


async def test_the_contact_deadline_is_reported_the_day_after_it_passed_without_an_attempt(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)

    await run(sessionmaker, database_url, CONTACT_UITERLIJK)
    on_the_day = await fired(sessionmaker, path, "contacttermijn-verstreken")
    await run(sessionmaker, database_url, date(2025, 3, 7))

    assert on_the_day == []
    assert await fired(sessionmaker, path, "contacttermijn-verstreken") == [
        {"contactUiterlijk": "2025-03-06"}
    ]


async def test_a_passed_contact_deadline_is_sent_to_the_creditor_and_the_uitvoerder(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)

    await run(sessionmaker, database_url, date(2025, 3, 7))

    rows = [r for r in await outbox(sessionmaker) if r.type == EVENT + "contacttermijn-verstreken"]
    assert sorted(str(r.ontvanger_id) for r in rows) == sorted(
        [str(parties.water.id), str(parties.amsterdam.id)]
    )
    assert {r.data["doorverwijzingId"] for r in rows} == {path.rsplit("/", 1)[-1]}
    timeline = (await client.get(f"{path}/tijdlijn", headers=parties.water.auth)).json()
    assert timeline["gebeurtenissen"][-1]["door"] == "dienst"


async def test_a_passed_contact_deadline_is_reported_only_once(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    await run(sessionmaker, database_url, date(2025, 3, 7))
    rows = len(await outbox(sessionmaker))

    again = await run(sessionmaker, database_url, date(2025, 3, 7))
    later = await run(sessionmaker, database_url, date(2025, 3, 20))

    assert (again, later) == (0, 0)
    assert len(await fired(sessionmaker, path, "contacttermijn-verstreken")) == 1
    assert len(await outbox(sessionmaker)) == rows


async def test_a_contact_attempt_before_the_deadline_keeps_the_timer_quiet(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    attempt = contactpoging(bereikt=False, datum=date(2025, 3, 5))
    assert (await report(client, parties.amsterdam, path, attempt)).status_code == 200

    count = await run(sessionmaker, database_url, date(2025, 3, 10))

    assert count == 0
    assert await fired(sessionmaker, path, "contacttermijn-verstreken") == []
    view = (await client.get(path, headers=parties.water.auth)).json()
    assert view["klokken"]["contactTermijn"] == "gehaald"


async def test_a_deadline_missed_is_reported_even_when_a_late_attempt_came_before_the_worker(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    late = contactpoging(bereikt=False, datum=date(2025, 3, 10))
    assert (await report(client, parties.amsterdam, path, late)).status_code == 200
    assert (await client.get(path, headers=parties.water.auth)).json()["klokken"][
        "contactTermijn"
    ] == "niet_gehaald"

    await run(sessionmaker, database_url, date(2025, 3, 11))

    assert await fired(sessionmaker, path, "contacttermijn-verstreken") == [
        {"contactUiterlijk": "2025-03-06"}
    ]


# --- the end of the incassostop ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reminded"),
    [(date(2025, 3, 27), False), (date(2025, 3, 28), True), (date(2025, 4, 2), True)],
    ids=["6-days-before", "5-days-before", "last-day"],
)
async def test_the_creditor_is_reminded_within_five_days_of_the_end_of_the_incassostop(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    day: date,
    reminded: bool,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)

    await run(sessionmaker, database_url, day)

    expected = [{"incassostopTot": "2025-04-02"}] if reminded else []
    assert await fired(sessionmaker, path, "incassostop-verloopt-binnenkort") == expected


async def test_the_reminder_is_sent_once(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)

    for day in (date(2025, 3, 28), date(2025, 3, 29), date(2025, 4, 1)):
        await run(sessionmaker, database_url, day)

    assert len(await fired(sessionmaker, path, "incassostop-verloopt-binnenkort")) == 1
    rows = [r for r in await outbox(sessionmaker) if r.type == EVENT + "incassostop-verloopt-binnenkort"]
    assert sorted(str(r.ontvanger_id) for r in rows) == sorted(
        [str(parties.water.id), str(parties.amsterdam.id)]
    )


async def test_the_end_of_the_incassostop_is_reported_once_the_day_after(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)

    await run(sessionmaker, database_url, INCASSOSTOP_TOT)
    on_the_last_day = await fired(sessionmaker, path, "incassostop-verlopen")
    for day in (date(2025, 4, 3), date(2025, 4, 4), date(2025, 5, 1)):
        await run(sessionmaker, database_url, day)

    assert on_the_last_day == []
    assert await fired(sessionmaker, path, "incassostop-verlopen") == [{"incassostopTot": "2025-04-02"}]


async def test_an_agreed_extension_sets_both_incassostop_timers_again(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    await run(sessionmaker, database_url, date(2025, 3, 30))
    await run(sessionmaker, database_url, date(2025, 4, 3))
    verzoek = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot="2025-04-16")
    )
    antwoord = await post(
        client, parties.water, f"{verzoek.headers['location']}/antwoord", message(akkoord=True)
    )
    assert antwoord.status_code == 200

    await run(sessionmaker, database_url, date(2025, 4, 12))
    await run(sessionmaker, database_url, date(2025, 4, 17))

    assert await fired(sessionmaker, path, "incassostop-verloopt-binnenkort") == [
        {"incassostopTot": "2025-04-02"},
        {"incassostopTot": "2025-04-16"},
    ]
    assert await fired(sessionmaker, path, "incassostop-verlopen") == [
        {"incassostopTot": "2025-04-02"},
        {"incassostopTot": "2025-04-16"},
    ]


async def test_a_refused_extension_does_not_set_the_timers_again(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    await run(sessionmaker, database_url, date(2025, 3, 30))
    verzoek = await post(
        client, parties.amsterdam, f"{path}/verlengingsverzoeken", message(gevraagdTot="2025-04-16")
    )
    await post(client, parties.water, f"{verzoek.headers['location']}/antwoord", message(akkoord=False))

    await run(sessionmaker, database_url, date(2025, 3, 31))

    assert len(await fired(sessionmaker, path, "incassostop-verloopt-binnenkort")) == 1


async def test_a_withdrawn_referral_has_no_running_clocks(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await received_on_3_march(client, parties, sessionmaker)
    assert (await withdraw(client, parties.water, path)).status_code == 200

    counts = [await run(sessionmaker, database_url, day) for day in (date(2025, 3, 30), date(2025, 4, 3))]

    assert counts == [0, 0]
    assert [e.soort for e in await history(sessionmaker, path)] == ["ontvangen", "ingetrokken"]


# --- two workers ------------------------------------------------------------------------------


async def test_two_workers_at_once_fire_each_timer_exactly_once(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    paths = [await received_on_3_march(client, parties, sessionmaker) for _ in range(20)]

    counts = await asyncio.gather(
        run(sessionmaker, database_url, date(2025, 3, 30)),
        run(sessionmaker, database_url, date(2025, 3, 30)),
    )

    # per referral: the contact deadline passed and the incassostop ends within five days
    assert sum(counts) == 2 * len(paths)
    for path in paths:
        soorten = [e.soort for e in await history(sessionmaker, path)]
        assert sorted(soorten) == [
            "contacttermijn-verstreken",
            "incassostop-verloopt-binnenkort",
            "ontvangen",
        ]
    assert len(await outbox(sessionmaker)) == len(paths) * (1 + 2 + 2)
