"""GET /metrics: the process metrics of app/metrics.py plus figures read from the database when
scraped (outbox depth and age, deliveries by status, disabled subscriptions, worker heartbeats).

The operator chooses how it is reached: METRICS_TOKEN serves it on the API port to that bearer
token; METRICS_PORT serves it, without a token, on a port of its own in every process (API and
`wdv worker`), bound to METRICS_HOST. Neither set: there is no /metrics.
"""

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import Route

from app.config import Settings
from app.delivery.models import Abonnement, Bezorging
from app.delivery.states import BezorgStatus
from app.errors import NotFound, Unauthenticated
from app.ops import heartbeat
from app.outbox import Uitgaand

logger = logging.getLogger("wdv.metrics")
router = APIRouter()


async def database_figures(session: AsyncSession, *, settings: Settings, now: datetime) -> list[Metric]:
    """Gauges computed by query, so every process reports the same database-wide figures."""
    pending = GaugeMetricFamily(
        "wdv_outbox_pending",
        "Outbox events not yet handled: undistributed (not turned into deliveries) and "
        "unconfirmed (neither delivered nor confirmed from the mailbox)",
        labels=["state"],
    )
    oldest = GaugeMetricFamily(
        "wdv_outbox_oldest_pending_age_seconds",
        "Age of the oldest outbox event in that state",
        labels=["state"],
    )
    for state, condition in (
        ("undistributed", Uitgaand.verdeeld.is_(False)),
        ("unconfirmed", Uitgaand.bevestigd_op.is_(None)),
    ):
        count, first = (
            await session.execute(select(func.count(), func.min(Uitgaand.aangemaakt_op)).where(condition))
        ).one()
        pending.add_metric([state], count)
        oldest.add_metric([state], (now - first).total_seconds() if first else 0.0)

    deliveries = GaugeMetricFamily(
        "wdv_deliveries_by_status",
        "Deliveries by status (wachtend, bezig, afgeleverd, mislukt) and channel",
        labels=["status", "channel"],
    )
    rows = await session.execute(
        select(Bezorging.status, Abonnement.kanaal, func.count())
        .join(Abonnement, Abonnement.id == Bezorging.abonnement_id)
        .group_by(Bezorging.status, Abonnement.kanaal)
    )
    for status, kanaal, count in rows:
        deliveries.add_metric([status, kanaal], count)
    overdue = await session.scalar(
        select(func.min(Bezorging.volgende_poging_op)).where(
            Bezorging.status == BezorgStatus.WACHTEND, Bezorging.volgende_poging_op <= now
        )
    )
    lag = GaugeMetricFamily(
        "wdv_delivery_lag_seconds", "How long the most overdue waiting delivery has been due"
    )
    lag.add_metric([], (now - overdue).total_seconds() if overdue else 0.0)

    disabled = GaugeMetricFamily(
        "wdv_subscriptions_disabled",
        "Subscriptions switched off (410 Gone, failing for days)",
        labels=["channel"],
    )
    for kanaal, count in await session.execute(
        select(Abonnement.kanaal, func.count())
        .where(Abonnement.actief.is_(False))
        .group_by(Abonnement.kanaal)
    ):
        disabled.add_metric([kanaal], count)

    newest = await heartbeat.newest(session)
    age = GaugeMetricFamily(
        "wdv_worker_heartbeat_age_seconds", "Seconds since any worker last reported (-1: never)"
    )
    age.add_metric([], (now - newest).total_seconds() if newest else -1.0)
    alive = GaugeMetricFamily(
        "wdv_workers_alive", "Workers that reported within WORKER_HEARTBEAT_MAX_AGE_SECONDS"
    )
    max_age = timedelta(seconds=settings.worker_heartbeat_max_age_seconds)
    alive.add_metric([], await heartbeat.alive(session, now=now, max_age=max_age))
    return [pending, oldest, deliveries, lag, disabled, age, alive]


class _Figures(Collector):
    def __init__(self, figures: list[Metric]) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        return self.figures


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every process's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


async def exposition(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> bytes:
    figures: list[Metric] = []
    try:
        async with sessionmaker() as session:
            figures = await database_figures(session, settings=settings, now=datetime.now(UTC))
    except Exception:
        # the process metrics still tell something; /health/ready tells that the database is gone
        logger.exception("database figures for /metrics could not be read")
    extra = CollectorRegistry()
    extra.register(_Figures(figures))
    return generate_latest(_process_registry()) + generate_latest(extra)


@router.get("/metrics", include_in_schema=False)
async def get_metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.metrics_token:
        raise NotFound("metrics are not served on this port (METRICS_TOKEN or METRICS_PORT)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.encode(), settings.metrics_token.encode()
    ):
        raise Unauthenticated("send the metrics token as Authorization: Bearer <METRICS_TOKEN>")
    body = await exposition(request.app.state.sessionmaker, settings)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class _MetricsServer(uvicorn.Server):
    """A second, small server in the same event loop; the main server keeps the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@contextlib.asynccontextmanager
async def metrics_port(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[None]:
    """Serve /metrics on METRICS_PORT while the block runs (nothing when it is not set)."""
    if settings.metrics_port is None:
        yield
        return
    try:
        sock = socket.create_server((settings.metrics_host, settings.metrics_port), reuse_port=False)
    except OSError as exc:
        # another process of this container has it (uvicorn --workers): see PROMETHEUS_MULTIPROC_DIR
        logger.warning("metrics port %s not served by this process: %s", settings.metrics_port, exc)
        yield
        return

    async def metrics(_request: Any) -> Response:
        return Response(await exposition(sessionmaker, settings), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(routes=[Route("/metrics", metrics)])
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", server_header=False)
    server = _MetricsServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    logger.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)
    try:
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()
