"""API keys from the command line: created with an end date, listed with their status and last
use, revoked by id or prefix; an expired key is refused like a revoked one; only hashes are
stored and no key reaches a log line."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.models import ApiSleutel
from app.organisations import service as organisations
from tests.conftest import Parties
from tests.support.cli import lines, one_line_error, wdv, wdv_async

MAILBOX = "/v1/berichten"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _key(sessionmaker: async_sessionmaker[AsyncSession], key: str) -> ApiSleutel:
    async with sessionmaker() as session:
        found = await session.scalar(select(ApiSleutel).where(ApiSleutel.prefix == key[:10]))
        assert found is not None
        return found


async def test_a_key_with_an_end_date_works_until_that_day_ends(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    wdv_database: str,
) -> None:
    last_day = vandaag() + timedelta(days=30)

    created = await wdv_async("key", "create", "Kredietbank Amsterdam", "--geldig-tot", last_day.isoformat())

    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert (await client.get(MAILBOX, headers=bearer(key))).status_code == 200
    stored = await _key(sessionmaker, key)
    assert stored.geldig_tot is not None
    assert stored.geldig_tot.astimezone().date() >= last_day  # the start of the day after, Amsterdam time


async def test_an_expired_key_is_refused_like_a_revoked_one(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        expired = await organisations.create_key(
            session, organisatie_id=parties.amsterdam.id, geldig_tot=datetime.now(UTC) - timedelta(seconds=1)
        )

    answer = await client.get(MAILBOX, headers=bearer(expired))

    assert answer.status_code == 401
    assert answer.json()["detail"] == "this API key is not known, was revoked or has expired"


def test_a_key_cannot_be_created_to_end_in_the_past(parties: Parties, wdv_database: str) -> None:
    yesterday = (vandaag() - timedelta(days=1)).isoformat()

    assert one_line_error(wdv("key", "create", "Kredietbank Amsterdam", "--geldig-tot", yesterday)) == (
        f"--geldig-tot {yesterday} has passed"
    )


async def test_revoking_a_key_by_its_prefix_refuses_it_from_then_on(
    client: httpx.AsyncClient, parties: Parties, wdv_database: str
) -> None:
    prefix = parties.amsterdam.key[:10]
    assert (await client.get(MAILBOX, headers=parties.amsterdam.auth)).status_code == 200

    revoked = await wdv_async("key", "revoke", f"{prefix}…")
    again = await wdv_async("key", "revoke", prefix)

    assert revoked.exit_code == 0, revoked.output
    assert lines(revoked)[0].startswith("revoked ")
    assert lines(again)[0].endswith(f"({prefix}…) was revoked before")
    assert (await client.get(MAILBOX, headers=parties.amsterdam.auth)).status_code == 401
    assert (await client.get(MAILBOX, headers=parties.rivierenland.auth)).status_code == 200


async def test_revoking_by_id_and_an_unknown_key(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], wdv_database: str
) -> None:
    stored = await _key(sessionmaker, parties.water.key)

    assert (await wdv_async("key", "revoke", str(stored.id))).exit_code == 0
    assert one_line_error(await wdv_async("key", "revoke", "wdv_nope00")) == (
        "no API key 'wdv_nope00' (give its id or prefix, see `wdv key list`)"
    )
    assert (await _key(sessionmaker, parties.water.key)).ingetrokken_op is not None


async def test_the_list_shows_each_keys_status_end_date_and_last_use(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    wdv_database: str,
) -> None:
    async with sessionmaker() as session, session.begin():
        await organisations.create_key(
            session,
            organisatie_id=parties.amsterdam.id,
            omschrijving="oud koppelvlak",
            geldig_tot=datetime.now(UTC) - timedelta(days=1),
        )
    await client.get(MAILBOX, headers=parties.amsterdam.auth)
    await wdv_async("key", "revoke", parties.rivierenland.key[:10])

    result = await wdv_async("key", "list")
    only_amsterdam = await wdv_async("key", "list", "Kredietbank Amsterdam")

    assert result.exit_code == 0, result.output
    by_prefix = {line.split()[1].removesuffix("…"): line for line in lines(result)}
    assert set(by_prefix) == {party.key[:10] for party in vars(parties).values()} | {
        next(line.split()[1].removesuffix("…") for line in lines(result) if "oud koppelvlak" in line)
    }
    used = by_prefix[parties.amsterdam.key[:10]]
    assert used.split()[2] == "actief"
    assert "laatst gebruikt -" not in used
    assert "laatst gebruikt -" in by_prefix[parties.water.key[:10]]
    assert by_prefix[parties.rivierenland.key[:10]].split()[2] == "ingetrokken"
    expired = next(line for line in lines(result) if "oud koppelvlak" in line)
    assert expired.split()[2] == "verlopen"
    assert len(lines(only_amsterdam)) == 2
    assert all(line.endswith(("Kredietbank Amsterdam", "(oud koppelvlak)")) for line in lines(only_amsterdam))


async def test_last_use_is_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await client.get(MAILBOX, headers=parties.energie.auth)
    first = (await _key(sessionmaker, parties.energie.key)).laatst_gebruikt_op
    for _ in range(3):
        await client.get(MAILBOX, headers=parties.energie.auth)
    then = (await _key(sessionmaker, parties.energie.key)).laatst_gebruikt_op

    assert first is not None
    assert then == first


async def test_keys_are_stored_only_as_their_hash(
    parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session:
        stored = "\n".join(
            repr(tuple(row)) for row in await session.execute(text("SELECT * FROM api_sleutels"))
        )
    key = parties.water.key

    assert key not in stored
    assert key[10:20] not in stored
    assert hashlib.sha256(key.encode()).hexdigest() in stored


async def test_no_key_reaches_a_log_line_of_the_service_or_the_key_list(
    client: httpx.AsyncClient, parties: Parties, wdv_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = parties.water.key[:-4] + "XXXX"
    with caplog.at_level(logging.DEBUG):
        await client.get(MAILBOX, headers=parties.water.auth)
        await client.get(MAILBOX, headers=bearer(wrong))
        await client.get(f"{MAILBOX}?key={parties.energie.key}", headers=parties.energie.auth)
    listed = await wdv_async("key", "list")

    service = [record for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in service)
    assert "wdv.access" in {record.name for record in service}
    for key in (parties.water.key, wrong, parties.energie.key):
        assert key not in logged
        assert key not in listed.output
