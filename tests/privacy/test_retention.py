"""Personal data of a closed or withdrawn referral is erased RETENTION_MONTHS after it closed,
by the worker (or `wdv retention run`), never while the referral is open; the anonymous course
stays, the referral still answers, and the processing log records the erasure."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.models import Base, Doorverwijzing, Gebeurtenis, Verwerking
from app.privacy.anonymous import months_before
from app.referrals.lifecycle import Status
from app.worker import erase_due, run_forever
from tests.conftest import Parties
from tests.support.cli import lines, wdv_async
from tests.support.factories import received, reported, withdrawn
from tests.support.lifecycle import EINDRESULTAAT, referral_id
from tests.support.personal import PERSONAL, distinctive_referral

NOTE = "Gesprek gehad met mevrouw Quixotevelt over de Zeppelinverhuur"
NOW = datetime.now(UTC)


def ago(months: int, days: int = 0) -> datetime:
    return months_before(NOW, months) - timedelta(days=days)


async def closed(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties, *, months_ago: int, days: int = 0
) -> str:
    """A referral with every kind of personal data, the person reached and the referral closed
    (afgesloten with help, with a note) back then."""
    path = await received(
        sessionmaker, parties.water, on=ago(months_ago, days + 10), sent=distinctive_referral()
    )
    await reported(sessionmaker, parties.amsterdam, path, Status.CONTACT_GELEGD, on=ago(months_ago, days + 5))
    await reported(
        sessionmaker,
        parties.amsterdam,
        path,
        Status.AFGESLOTEN,
        on=ago(months_ago, days),
        interneToelichting=NOTE,
    )
    return path


def settings(database_url: str, **values: object) -> Settings:
    return Settings(database_url=database_url, **values)  # type: ignore[arg-type]


async def _row(sessionmaker: async_sessionmaker[AsyncSession], path: str) -> Doorverwijzing:
    async with sessionmaker() as session:
        found = await session.get(Doorverwijzing, referral_id(path))
        assert found is not None
        return found


async def test_the_worker_erases_a_referral_closed_longer_ago_than_the_retention_period(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await closed(sessionmaker, parties, months_ago=12, days=1)

    erased = await erase_due(sessionmaker, settings(database_url))

    assert erased == 1
    row = await _row(sessionmaker, path)
    assert (row.bericht, row.actueel_adres) == (None, None)
    assert row.gewist_op is not None


async def test_a_referral_closed_within_the_retention_period_keeps_its_data(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await closed(sessionmaker, parties, months_ago=11, days=27)

    assert await erase_due(sessionmaker, settings(database_url)) == 0
    assert (await _row(sessionmaker, path)).bericht is not None


async def test_the_retention_period_is_a_setting(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await closed(sessionmaker, parties, months_ago=12, days=20)

    assert await erase_due(sessionmaker, settings(database_url, retention_months=24)) == 0
    assert await erase_due(sessionmaker, settings(database_url, retention_months=13)) == 0
    assert await erase_due(sessionmaker, settings(database_url, retention_months=12)) == 1
    assert (await _row(sessionmaker, path)).bericht is None


async def test_an_open_referral_is_never_erased_however_old(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await received(sessionmaker, parties.water, on=ago(23), sent=distinctive_referral())
    await reported(sessionmaker, parties.amsterdam, path, Status.HULP_AANGEBODEN, on=ago(22))

    assert await erase_due(sessionmaker, settings(database_url)) == 0
    assert (await _row(sessionmaker, path)).bericht is not None


async def test_a_withdrawn_referral_is_erased_after_the_retention_period(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await received(sessionmaker, parties.water, on=ago(14), sent=distinctive_referral())
    await withdrawn(sessionmaker, parties.water, path, on=ago(13), toelichting=NOTE)

    assert await erase_due(sessionmaker, settings(database_url)) == 1
    assert (await _row(sessionmaker, path)).status == Status.INGETROKKEN


async def test_nothing_personal_remains_in_the_database_and_the_anonymous_course_does(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await closed(sessionmaker, parties, months_ago=13)
    await erase_due(sessionmaker, settings(database_url))

    async with sessionmaker() as session:
        stored = []
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608 - our table names
            stored += [repr(tuple(row)) for row in rows]
        entries = list(
            await session.scalars(
                select(Gebeurtenis).where(Gebeurtenis.doorverwijzing_id == referral_id(path))
            )
        )
    row = await _row(sessionmaker, path)

    everything = "\n".join(stored)
    assert [value for value in [*PERSONAL.values(), NOTE] if value in everything] == []
    assert all("interneToelichting" not in entry.gegevens for entry in entries)
    assert [
        entry.gegevens.get("eindresultaat") for entry in entries if entry.status_naar == "afgesloten"
    ] == [EINDRESULTAAT]
    assert (row.status, row.gemeentecode, row.soort_vaste_last, row.bedrag_klasse, row.crisissignaal) == (
        Status.AFGESLOTEN,
        "0363",
        "Water",
        "0-499",
        False,
    )
    assert row.gesloten_op is not None
    assert row.routering["sleutel"] == "1012"


async def test_an_erased_referral_still_answers_and_says_it_was_erased(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await closed(sessionmaker, parties, months_ago=13)
    await erase_due(sessionmaker, settings(database_url))

    for party in (parties.water, parties.amsterdam):
        answer = await client.get(path, headers=party.auth)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["bericht"] is None
        assert body["gewistOp"] is not None
        assert body["status"] == "afgesloten"
        assert body["gemeente"]["code"] == "0363"
    timeline = await client.get(f"{path}/tijdlijn", headers=parties.amsterdam.auth)
    assert timeline.status_code == 200
    assert NOTE not in timeline.text
    assert EINDRESULTAAT in timeline.text


async def test_the_terugmelding_of_an_erased_referral_still_works(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    path = await closed(sessionmaker, parties, months_ago=13)
    referentie = (await _row(sessionmaker, path)).referentie
    await erase_due(sessionmaker, settings(database_url))

    answer = await client.get(f"{path}/terugmelding", headers=parties.water.auth)

    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["referentie"]) == ("afgesloten", referentie)


async def test_the_processing_log_records_each_erasure_by_the_service(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await closed(sessionmaker, parties, months_ago=13)
    await erase_due(sessionmaker, settings(database_url))

    async with sessionmaker() as session:
        erasures = list(
            await session.scalars(
                select(Verwerking).where(
                    Verwerking.doorverwijzing_id == referral_id(path), Verwerking.actie == "wissen"
                )
            )
        )

    assert [(e.organisatie_id, e.verwerkingsactiviteit) for e in erasures] == [(None, "bewaartermijn")]
    assert erasures[0].trace_id


async def test_erasing_again_changes_nothing(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await closed(sessionmaker, parties, months_ago=13)

    assert await erase_due(sessionmaker, settings(database_url)) == 1
    assert await erase_due(sessionmaker, settings(database_url)) == 0


async def test_the_running_worker_erases_what_is_due(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    path = await closed(sessionmaker, parties, months_ago=13)
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_forever(sessionmaker, settings(database_url, delivery_poll_seconds=0.05), stop)
    )
    try:
        for _ in range(200):
            if (await _row(sessionmaker, path)).gewist_op is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await worker

    assert (await _row(sessionmaker, path)).bericht is None


# --- wdv retention run ---------------------------------------------------------------------------


async def test_a_dry_run_lists_what_would_be_erased_and_changes_nothing(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], wdv_database: str
) -> None:
    due = await closed(sessionmaker, parties, months_ago=13)
    await closed(sessionmaker, parties, months_ago=2)

    result = await wdv_async("retention", "run", "--dry-run")

    assert result.exit_code == 0, result.output
    printed = lines(result)
    assert printed[0].startswith(f"{referral_id(due)} afgesloten     closed ")
    assert printed[1] == (
        "would erase the personal data of 1 referrals closed 12 months ago or longer (afgesloten 1)"
    )
    assert (await _row(sessionmaker, due)).bericht is not None


async def test_retention_run_erases_and_names_what_it_erased(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], wdv_database: str
) -> None:
    due = await closed(sessionmaker, parties, months_ago=13)

    result = await wdv_async("retention", "run")

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        str(referral_id(due)),
        "erased the personal data of 1 referrals closed 12 months ago or longer",
    ]
    assert (await _row(sessionmaker, due)).bericht is None


@pytest.mark.parametrize("args", [("retention", "run"), ("retention", "run", "--dry-run")])
async def test_retention_run_on_nothing_due_says_so(
    parties: Parties, wdv_database: str, args: tuple[str, ...]
) -> None:
    result = await wdv_async(*args)

    assert result.exit_code == 0, result.output
    assert lines(result)[-1].endswith(" 0 referrals closed 12 months ago or longer")
