"""Delivery with real workers: two at once on PostgreSQL, a `wdv worker` process killed with
SIGKILL in the middle of a batch, and claims left behind by a worker that vanished."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.delivery import service
from app.delivery.models import Bezorgpoging
from app.delivery.worker import deliver_round
from app.models import Doorverwijzing
from app.outbox import Uitgaand
from app.worker import delivery_channels
from tests.conftest import Parties
from tests.support.delivery import api_client, deliveries, delivery_settings, subscribe
from tests.support.lifecycle import referral_id, send_referral
from tests.support.receiver import Receiver

WDV = Path(sys.executable).parent / "wdv"
DEADLINE = 30.0  # seconds a worker process gets to do what is awaited


async def referrals_with_subscription(
    settings: Settings, parties: Parties, receiver: Receiver, count: int
) -> list[str]:
    """The uitvoerder subscribes the receiver; then `count` referrals each queue an `ontvangen` event."""
    async with api_client(settings) as api:
        await subscribe(api, parties.amsterdam, receiver)
        return [await send_referral(api, parties.water) for _ in range(count)]


async def event_ids(sessionmaker: async_sessionmaker[AsyncSession], parties: Parties) -> set[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Uitgaand.id).where(Uitgaand.ontvanger_id == parties.amsterdam.id))
        return {str(ident) for ident in rows}


async def wait_until(check: Callable[[], Awaitable[bool]], *, what: str, logs: Path) -> None:
    """Poll until `check` holds, for at most DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE:.0f} s: {what}\n--- worker output ---\n{_read(logs)}")
        await asyncio.sleep(0.05)


def _read(logs: Path) -> str:
    return "\n".join(f.read_text(errors="replace") for f in sorted(logs.glob("*.log")))


def start_worker(database_url: str, logs: Path, name: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "WEBHOOK_ALLOW_LOCAL": "true",
        "DELIVERY_POLL_SECONDS": "0.2",
        "DELIVERY_CLAIM_SECONDS": "2",
    }
    output: IO[bytes] = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own command line, no shell
        [str(WDV), "worker"], env=env, cwd=logs, stdout=output, stderr=subprocess.STDOUT
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- two workers at once --------------------------------------------------------------------------


async def test_two_workers_never_send_the_same_attempt_twice(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
    receiver: Receiver,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one in-process worker; several workers need PostgreSQL")
    settings = delivery_settings(database_url).model_copy(update={"delivery_batch": 5})
    await referrals_with_subscription(settings, parties, receiver, 30)
    receiver.delay_seconds = 0.02  # sends of both workers overlap
    engines = [create_engine(database_url), create_engine(database_url)]
    makers = [create_sessionmaker(engine) for engine in engines]
    done: list[list[int]] = []
    try:
        async with httpx.AsyncClient() as first, httpx.AsyncClient() as second:
            while True:
                sent = list(
                    await asyncio.gather(
                        deliver_round(makers[0], settings, delivery_channels(settings, first, first)),
                        deliver_round(makers[1], settings, delivery_channels(settings, second, second)),
                    )
                )
                if not any(sent):
                    break
                done.append(sent)
                assert len(done) < 100, "the workers keep finding work"
    finally:
        for engine in engines:
            await engine.dispose()

    assert Counter(r.webhook_id for r in receiver.requests) == Counter(
        dict.fromkeys(await event_ids(sessionmaker, parties), 1)
    )
    async with sessionmaker() as session:
        per_delivery = await session.execute(
            select(Bezorgpoging.bezorging_id, func.count()).group_by(Bezorgpoging.bezorging_id)
        )
        assert sorted(n for _, n in per_delivery.all()) == [1] * 30
    assert all(sum(worker) > 0 for worker in zip(*done, strict=True)), f"both workers sent: {done}"


# --- a worker killed mid-batch --------------------------------------------------------------------


async def test_a_worker_killed_with_sigkill_mid_batch_loses_nothing(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    paths = await referrals_with_subscription(delivery_settings(database_url), parties, receiver, 24)
    expected = await event_ids(sessionmaker, parties)
    receiver.delay_seconds = 0.5  # a slow receiver: the batch is still in flight when the kill comes

    async def some_arrived() -> bool:
        return len(receiver.requests) >= 3

    async def all_delivered() -> bool:
        rows = await deliveries(sessionmaker)
        return len(rows) == len(expected) and all(d.status == "afgeleverd" for d in rows)

    first = start_worker(database_url, tmp_path, "first")
    try:
        await wait_until(some_arrived, what="the first events reach the receiver", logs=tmp_path)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        stop(first)
    in_flight = len(receiver.requests)
    second = start_worker(database_url, tmp_path, "second")
    try:
        await wait_until(all_delivered, what="every delivery is afgeleverd", logs=tmp_path)
    finally:
        stop(second)

    assert {r.webhook_id for r in receiver.events} == expected
    assert len(receiver.events) == len(expected) == 24
    assert len(receiver.accepted) > len(expected), "sends cut off by the kill were repeated"
    assert in_flight < len(expected)
    async with sessionmaker() as session:
        statuses = await session.scalars(
            select(Doorverwijzing.status).where(Doorverwijzing.id.in_([referral_id(p) for p in paths]))
        )
        assert set(statuses) == {"afgeleverd"}


# --- claims left behind ---------------------------------------------------------------------------


async def _claimed_by_a_vanished_worker(
    sessionmaker: async_sessionmaker[AsyncSession], *, at: datetime, lease: timedelta
) -> None:
    """What a worker leaves behind when it dies after claiming: the delivery `bezig` until `at + lease`."""
    async with sessionmaker() as session, session.begin():
        await service.fan_out(session, now=at)
    async with sessionmaker() as session, session.begin():
        assert len(await service.claim(session, now=at, lease=lease, limit=10)) == 1


async def test_a_claimed_delivery_is_left_alone_while_its_lease_runs(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
    receiver: Receiver,
    sender: httpx.AsyncClient,
) -> None:
    settings = delivery_settings(database_url)
    await referrals_with_subscription(settings, parties, receiver, 1)
    claimed_at = datetime.now(UTC)
    await _claimed_by_a_vanished_worker(sessionmaker, at=claimed_at, lease=timedelta(seconds=60))

    channels = delivery_channels(settings, sender, sender)
    sent = await deliver_round(sessionmaker, settings, channels, now=claimed_at + timedelta(seconds=59))

    assert sent == 0
    assert receiver.requests == []
    assert [d.status for d in await deliveries(sessionmaker)] == ["bezig"]


async def test_a_lapsed_claim_is_claimed_again_and_delivered(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
    receiver: Receiver,
    sender: httpx.AsyncClient,
) -> None:
    settings = delivery_settings(database_url)
    await referrals_with_subscription(settings, parties, receiver, 1)
    claimed_at = datetime.now(UTC) - timedelta(minutes=5)
    await _claimed_by_a_vanished_worker(sessionmaker, at=claimed_at, lease=timedelta(seconds=60))

    sent = await deliver_round(sessionmaker, settings, delivery_channels(settings, sender, sender))

    assert sent == 1
    assert [e.type for e in receiver.events] == ["nl.schuldhulp.warme-doorverwijzing.ontvangen"]
    [delivery] = await deliveries(sessionmaker)
    assert (delivery.status, delivery.pogingen) == ("afgeleverd", 1)
