"""One round of delivery: fan out new events, claim due deliveries, have their channels prepare and
send them, book the outcomes. The worker knows the channel protocol, not the channels."""

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import logs, metrics
from app.config import Settings
from app.delivery import schedule, service
from app.delivery.channels import Channel, Channels, Gone, NotConfigured, Outcome, Request, UnknownChannel
from app.delivery.models import Abonnement, Bezorging
from app.delivery.states import BezorgStatus
from app.outbox import Uitgaand
from app.referrals.changes import confirm_delivery

SEND_CONCURRENCY = 10
logger = logging.getLogger("wdv.delivery")


@dataclass(frozen=True)
class Job:
    """One claimed delivery, ready to send: its request, or why none could be built."""

    delivery_id: uuid.UUID
    claimed_until: datetime
    kanaal: str
    event_id: str
    request_id: str | None  # the request that wrote the event: the worker's log lines carry it
    channel: Channel | None = None
    request: Request | None = None
    problem: str | None = None


async def deliver_round(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    channels: Channels,
    *,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> int:
    """Returns how many attempts were made."""
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
        jobs = [await _job(session, channels, delivery, moment) for delivery in claimed]
    if not jobs:
        return 0
    outcomes = await _send_all(jobs)
    await _book(sessionmaker, jobs, outcomes, now=now or datetime.now(UTC), rng=rng or random.Random())  # noqa: S311 - spreads retries, guards nothing
    return len(jobs)


async def _job(session: AsyncSession, channels: Channels, delivery: Bezorging, now: datetime) -> Job:
    event = await session.get(Uitgaand, delivery.uitgaand_id)
    found = await session.get(Abonnement, delivery.abonnement_id)
    assert event is not None
    assert found is not None
    assert delivery.geclaimd_tot is not None
    job = Job(delivery.id, delivery.geclaimd_tot, found.kanaal, str(event.id), event.request_id)
    try:
        channel = channels[found.kanaal]
        request = await channel.prepare(session, event, found, now=now)
    except (NotConfigured, Gone, UnknownChannel) as exc:
        return replace(job, problem=str(exc))
    except Exception as exc:  # one event that cannot be turned into a request fails alone
        logger.exception("delivery %s: no request could be built", delivery.id)
        return replace(job, problem=f"no request could be built: {type(exc).__name__}")
    return replace(job, channel=channel, request=request)


async def _send_all(jobs: list[Job]) -> list[Outcome]:
    """Send concurrently (bounded); an exception while sending is that attempt's outcome alone."""
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(job: Job) -> Outcome:
        logs.bind_request_id(job.request_id)
        if job.channel is None or job.request is None:
            return Outcome.failed(job.problem or "no request")
        async with gate:
            return await job.channel.send(job.request)

    results = await asyncio.gather(*(send(job) for job in jobs), return_exceptions=True)
    return [
        result if isinstance(result, Outcome) else Outcome.failed(f"{type(result).__name__}: {result}")
        for result in results
    ]


async def _book(
    sessionmaker: async_sessionmaker[AsyncSession],
    jobs: list[Job],
    outcomes: list[Outcome],
    *,
    now: datetime,
    rng: random.Random,
) -> None:
    async with sessionmaker() as session, session.begin():
        for job, outcome in zip(jobs, outcomes, strict=True):
            logs.bind_request_id(job.request_id)
            delivery = await session.get(Bezorging, job.delivery_id, with_for_update=True)
            if (
                delivery is None
                or delivery.status != BezorgStatus.BEZIG
                or delivery.geclaimd_tot != job.claimed_until
            ):
                continue  # the claim lapsed and another worker owns it now
            delay = schedule.next_delay(delivery.pogingen + 1, retry_after=outcome.retry_after, rng=rng)
            await service.record_outcome(session, delivery, outcome, now=now, next_delay=delay)
            metrics.delivery_booked(job, outcome, delivery)
            if outcome.ok:
                event = await session.get(Uitgaand, delivery.uitgaand_id)
                assert event is not None
                await confirm_delivery(session, event, now=now)
