"""One round of delivery: fan out new events, claim due deliveries, send, book the outcomes.

Webhooks go out as signed CloudEvents; subscriptions of a peer channel (Vroegsignalering,
Schuldenknooppunt) as that peer's own requests, over the mutual-TLS client.
"""

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery import events, schedule, sender, service
from app.delivery.models import Abonnement, Bezorging, Uitgaand
from app.peers import outbound
from app.referrals.changes import acknowledge

SEND_CONCURRENCY = 10
logger = logging.getLogger("wdv.delivery")
WEBHOOK = service.WEBHOOK


@dataclass(frozen=True)
class Job:
    delivery_id: uuid.UUID
    claimed_until: datetime
    kanaal: str
    url: str
    payload: bytes
    headers: dict[str, str]
    event_id: str
    # webhook secrets to sign with when sending (peers authenticate by mutual TLS instead)
    secrets: list[str]
    # a request that could not even be built (a peer not configured)
    problem: str | None = None


async def deliver_round(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    peer_client: httpx.AsyncClient | None = None,
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
        if job.problem:
            return service.Outcome(statuscode=None, duur_ms=0, antwoord=None, fout=job.problem)
        async with gate:
            headers = dict(job.headers)
            if job.secrets:
                headers |= events.signature_headers(
                    event_id=job.event_id,
                    payload=job.payload.decode(),
                    secrets=job.secrets,
                    now=datetime.now(UTC),
                )
            via = client if job.kanaal == WEBHOOK else (peer_client or client)
            outcome = await sender.post(
                via,
                job.url,
                payload=job.payload,
                headers=headers,
                allow_local=settings.webhook_allow_local or job.kanaal != WEBHOOK,
                ports=settings.webhook_ports,
                limit=schedule.TIMEOUT.total_seconds()
                if job.kanaal == WEBHOOK
                else settings.peer_timeout_seconds,
            )
        if job.kanaal != WEBHOOK and (
            refusal := outbound.check_reply(job.kanaal, outcome.statuscode, outcome.antwoord)
        ):
            # a refusal dressed as success is no success: the attempt fails with the reason
            return replace(outcome, fout=refusal)
        return outcome

    results = await asyncio.gather(*(send(job) for job in jobs), return_exceptions=True)
    outcomes = [
        result
        if isinstance(result, service.Outcome)
        else service.Outcome(
            statuscode=None, duur_ms=0, antwoord=None, fout=f"{type(result).__name__}: {result}"[:500]
        )
        for result in results
    ]
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
    assert delivery.geclaimd_tot is not None
    job = Job(
        delivery_id=delivery.id,
        claimed_until=delivery.geclaimd_tot,
        kanaal=found.soort,
        url=found.url,
        payload=b"",
        headers={},
        event_id=str(event.id),
        secrets=[],
    )
    if found.soort == WEBHOOK:
        body = events.cloudevent(event, source=settings.cloudevents_source, base_url=settings.public_base_url)
        return replace(
            job,
            payload=events.serialise(body).encode(),
            headers={"content-type": events.CONTENT_TYPE},
            secrets=service.signing_secrets(found, now),
        )
    try:
        request = await outbound.request_for(session, settings, found.soort, event)
    except outbound.NotConfigured as exc:
        return replace(job, problem=str(exc))
    except Exception as exc:  # one event that cannot be turned into a request fails alone
        logger.exception("delivery %s: no request could be built", delivery.id)
        return replace(job, problem=f"no request could be built: {type(exc).__name__}")
    return replace(job, url=request.url, payload=request.payload, headers=request.headers)
