"""One round of webhook delivery: fan out new events, claim due deliveries, send, book outcomes."""

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery import events, schedule, sender, service
from app.delivery.models import Abonnement, Bezorging, Uitgaand
from app.referrals.changes import acknowledge

SEND_CONCURRENCY = 10


@dataclass(frozen=True)
class Job:
    delivery_id: uuid.UUID
    claimed_until: datetime
    url: str
    event_id: str
    payload: str
    secrets: list[str]


async def deliver_round(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> int:
    """Returns how many attempts were made."""
    rng = rng or random.Random()  # noqa: S311 - spreads retries, guards nothing
    moment = now or datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        await service.fan_out(session, now=moment)
    async with sessionmaker() as session, session.begin():
        claimed = await service.claim(
            session,
            now=moment,
            lease=timedelta(seconds=settings.delivery_claim_seconds),
            limit=settings.delivery_batch,
        )
        jobs = [await _job(session, settings, delivery, moment) for delivery in claimed]
    if not jobs:
        return 0
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(job: Job) -> service.Outcome:
        async with gate:
            headers = events.signature_headers(
                event_id=job.event_id, payload=job.payload, secrets=job.secrets, now=datetime.now(UTC)
            )
            return await sender.post(
                client,
                job.url,
                payload=job.payload,
                headers=headers,
                allow_local=settings.webhook_allow_local,
            )

    outcomes = await asyncio.gather(*(send(job) for job in jobs))
    finished = now or datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        for job, outcome in zip(jobs, outcomes, strict=True):
            delivery = await session.get(Bezorging, job.delivery_id, with_for_update=True)
            if delivery is None or delivery.status != "bezig" or delivery.geclaimd_tot != job.claimed_until:
                continue  # the claim lapsed and another worker owns it now
            delay = schedule.next_delay(delivery.pogingen + 1, retry_after=outcome.retry_after, rng=rng)
            await service.record_outcome(session, delivery, outcome, now=finished, next_delay=delay)
            if outcome.ok:
                event = await session.get(Uitgaand, delivery.uitgaand_id)
                assert event is not None
                await acknowledge(session, event, now=finished)
    return len(jobs)


async def _job(session: AsyncSession, settings: Settings, delivery: Bezorging, now: datetime) -> Job:
    event = await session.get(Uitgaand, delivery.uitgaand_id)
    found = await session.get(Abonnement, delivery.abonnement_id)
    assert event is not None
    assert found is not None
    body = events.cloudevent(event, source=settings.cloudevents_source, base_url=settings.public_base_url)
    assert delivery.geclaimd_tot is not None
    return Job(
        delivery_id=delivery.id,
        claimed_until=delivery.geclaimd_tot,
        url=found.url,
        event_id=str(event.id),
        payload=events.serialise(body),
        secrets=service.signing_secrets(found, now),
    )
