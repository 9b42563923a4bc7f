"""Failed attempts are retried on the schedule with the same webhook-id, honouring Retry-After; every
attempt is recorded; 410 disables; hangs and trickles time out."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery import schedule, service
from app.delivery.models import Bezorging
from tests.conftest import Parties
from tests.support.delivery import (
    attempts,
    deliver,
    deliveries,
    only_delivery,
    subscribe,
)
from tests.support.lifecycle import referral_id, send_referral
from tests.support.receiver import Receiver


async def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_with_one_webhook_id(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(2, 500)

    moment = datetime.now(UTC)
    for _ in range(3):
        assert await deliver(sessionmaker, settings, sender, now=moment) == 1
        moment = (await only_delivery(sessionmaker)).volgende_poging_op

    assert [r.answered for r in receiver.requests] == [500, 500, 200]
    assert len({r.webhook_id for r in receiver.requests}) == 1
    assert len(receiver.events) == 1
    delivery = await only_delivery(sessionmaker)
    assert (delivery.status, delivery.pogingen) == ("afgeleverd", 3)


async def test_a_failed_attempt_is_retried_after_the_scheduled_delay_and_not_before(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    started = datetime.now(UTC)
    await deliver(sessionmaker, settings, sender, now=started)

    due = (await only_delivery(sessionmaker)).volgende_poging_op

    assert schedule.SCHEDULE[1] * 0.8 <= due - started <= schedule.SCHEDULE[1] * 1.2
    assert await deliver(sessionmaker, settings, sender, now=due - timedelta(milliseconds=1)) == 0
    assert await deliver(sessionmaker, settings, sender, now=due) == 1


async def test_every_attempt_is_recorded_with_status_duration_and_a_capped_excerpt(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(2, 500, body="storing " * 500)

    moment = datetime.now(UTC)
    for _ in range(3):
        await deliver(sessionmaker, settings, sender, now=moment)
        moment = (await only_delivery(sessionmaker)).volgende_poging_op

    recorded = await attempts(sessionmaker)
    assert [a.statuscode for a in recorded] == [500, 500, 200]
    assert [a.fout for a in recorded] == ["HTTP 500", "HTTP 500", None]
    assert all(a.duur_ms >= 0 for a in recorded)
    assert [len(a.antwoord or "") for a in recorded] == [
        schedule.RESPONSE_EXCERPT,
        schedule.RESPONSE_EXCERPT,
        0,
    ]
    assert recorded[0].antwoord == ("storing " * 500)[: schedule.RESPONSE_EXCERPT]


async def test_retry_after_on_a_429_postpones_the_next_attempt_by_at_least_that_long(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 429, headers={"Retry-After": "3600"})
    moment = datetime.now(UTC)

    await deliver(sessionmaker, settings, sender, now=moment)

    delivery = await only_delivery(sessionmaker)
    assert delivery.status == "wachtend"
    assert delivery.volgende_poging_op >= moment + timedelta(hours=1)
    assert [a.statuscode for a in await attempts(sessionmaker)] == [429]


async def test_a_410_disables_the_subscription_and_fails_the_delivery(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 410)

    await deliver(sessionmaker, settings, sender)

    assert (await only_delivery(sessionmaker)).status == "mislukt"
    [listed] = (await api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)).json()
    assert listed["actief"] is False
    assert "410" in listed["uitgeschakeldReden"]


async def test_after_a_410_nothing_more_is_sent_to_that_subscription(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    started = datetime.now(UTC)
    await deliver(sessionmaker, settings, sender, now=started)  # the first referral waits for a retry
    await send_referral(api, parties.water)
    receiver.answer_next(1, 410)
    await deliver(sessionmaker, settings, sender, now=started + timedelta(seconds=1))
    retry_due = (await deliveries(sessionmaker))[0].volgende_poging_op

    await deliver(sessionmaker, settings, sender, now=retry_due)

    assert [r.answered for r in receiver.requests] == [500, 410]
    assert [d.status for d in await deliveries(sessionmaker)] == ["mislukt", "mislukt"]


async def test_after_a_410_a_delivery_held_by_a_vanished_worker_is_listed_as_failed(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    held_path = await send_referral(api, parties.water)
    await send_referral(api, parties.water)
    started = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        await service.fan_out(session, now=started)
        await session.execute(  # a worker claimed this one and died
            update(Bezorging)
            .where(Bezorging.doorverwijzing_id == referral_id(held_path))
            .values(status="bezig", geclaimd_tot=started + timedelta(seconds=60))
        )
    receiver.answer_next(1, 410)
    await deliver(sessionmaker, settings, sender, now=started)

    await deliver(sessionmaker, settings, sender, now=started + timedelta(minutes=5))

    listed = (await api.get("/v1/bezorgingen", headers=parties.amsterdam.auth)).json()
    assert sorted(d["status"] for d in listed) == ["mislukt", "mislukt"]


async def test_a_receiver_that_hangs_past_the_timeout_is_a_failed_attempt(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schedule, "TIMEOUT", timedelta(seconds=1))
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.hang_next(1, seconds=10)

    await deliver(sessionmaker, settings, sender)

    [attempt] = await attempts(sessionmaker)
    assert attempt.statuscode is None
    assert attempt.fout == "no answer within 1 s"
    assert 900 <= attempt.duur_ms < 5000
    delivery = await only_delivery(sessionmaker)
    assert (delivery.status, delivery.pogingen) == ("wachtend", 1)


async def test_a_receiver_that_trickles_its_answer_past_the_timeout_is_a_failed_attempt(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schedule, "TIMEOUT", timedelta(seconds=1))
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.trickle_next(1, seconds=4)

    await deliver(sessionmaker, settings, sender)

    [attempt] = await attempts(sessionmaker)
    assert attempt.duur_ms < 2000
    assert (await only_delivery(sessionmaker)).status == "wachtend"
