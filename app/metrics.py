"""Every Prometheus metric of the service, and the one-line calls that record them.

Process metrics (counters, histograms, the worker's heartbeat) are kept per process. With several
processes in one container (`uvicorn --workers N`) set PROMETHEUS_MULTIPROC_DIR to an empty
directory shared by them: then any process answers /metrics for all (prometheus-client's
multiprocess mode). Figures read from the database (outbox depth, pending deliveries, disabled
subscriptions, heartbeat age) are computed when scraped (app/ops/scrape.py), not kept here.

Labels carry route templates, channels, reasons and outcomes: never an id or personal data.
"""

import logging
from collections.abc import Awaitable
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

from app import logs

delivery_log = logging.getLogger("wdv.delivery")

HTTP_REQUESTS = Counter(
    "wdv_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "wdv_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REFERRALS_RECEIVED = Counter(
    "wdv_referrals_received", "New referrals stored, by the creditor's channel", ["channel"]
)
REFERRALS_REFUSED = Counter(
    "wdv_referrals_refused",
    "Referrals refused, by channel and reason (the problem type: ongeldig-bericht, postcode-onbekend, …)",
    ["channel", "reason"],
)
DELIVERY_ATTEMPTS = Counter(
    "wdv_delivery_attempts",
    "Attempts to deliver an event, by channel and result (success, http_error, failed)",
    ["channel", "result"],
)
DELIVERIES = Counter(
    "wdv_deliveries",
    "Deliveries after an attempt, by channel and outcome (delivered, retrying, failed)",
    ["channel", "outcome"],
)
HUB_POLLS = Counter("wdv_hub_polls", "Schuldenknooppunt mailbox polls, by result (ok, error)", ["result"])
HUB_MESSAGES = Counter("wdv_hub_messages", "Messages taken in from the Schuldenknooppunt and confirmed")
TIMER_FIRINGS = Counter("wdv_timer_firings", "Clocks that fired (deadline passed, hold ending)", ["timer"])
WORKER_HEARTBEAT = Gauge(
    "wdv_worker_heartbeat_timestamp_seconds",
    "When this process's worker last started a round (Unix time)",
    multiprocess_mode="max",
)

# what a delivery's status is called once an attempt is booked
OUTCOME = {"afgeleverd": "delivered", "wachtend": "retrying", "mislukt": "failed", "bezig": "retrying"}


class Job(Protocol):
    @property
    def kanaal(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def request_id(self) -> str | None: ...


class Attempt(Protocol):
    @property
    def statuscode(self) -> int | None: ...
    @property
    def fout(self) -> str | None: ...
    @property
    def ok(self) -> bool: ...


class Booked(Protocol):
    status: str
    pogingen: int


def referral_received(channel: str) -> None:
    REFERRALS_RECEIVED.labels(channel=channel).inc()


def referral_refused(channel: str, reason: str) -> None:
    REFERRALS_REFUSED.labels(channel=channel, reason=reason).inc()


def hub_answered_problem(berichtsoort: str, reason: str) -> None:
    """A Foutbericht to a message from the hub: a refused referral when it answers one."""
    if berichtsoort == "doorverwijzing":
        referral_refused("schuldenknooppunt", reason)


def delivery_booked(job: Job, outcome: Attempt, delivery: Booked) -> None:
    """Count one booked attempt and log it under the request id that wrote the event."""
    channel, status = job.kanaal, delivery.status
    if outcome.ok:
        result = "success"
    elif outcome.statuscode is not None and not 200 <= outcome.statuscode < 300:
        result = "http_error"
    else:
        result = "failed"
    DELIVERY_ATTEMPTS.labels(channel=channel, result=result).inc()
    DELIVERIES.labels(channel=channel, outcome=OUTCOME.get(status, status)).inc()
    delivery_log.log(
        logging.INFO if outcome.ok else logging.WARNING,
        "delivery attempt",
        extra={
            "request_id": job.request_id,
            "event_id": job.event_id,
            "channel": channel,
            "result": result,
            "http_status": outcome.statuscode,
            "outcome": OUTCOME.get(status, status),
            "attempts": delivery.pogingen,
            # our side's reason when nothing was answered (timeout, peer not configured); a peer's
            # own complaint may quote the message, so it stays in the attempt record only
            "error": outcome.fout if outcome.statuscode is None else None,
        },
    )


async def observe_hub_poll(poll: Awaitable[int]) -> int:
    """Await one hub poll, counting its result; request ids bound per message stay inside it."""
    before = logs.current_request_id()
    try:
        taken = await poll
    except Exception:
        HUB_POLLS.labels(result="error").inc()
        raise
    finally:
        logs.bind_request_id(before)
    HUB_POLLS.labels(result="ok").inc()
    HUB_MESSAGES.inc(taken)
    return taken


def timer_fired(timer: str) -> None:
    TIMER_FIRINGS.labels(timer=timer).inc()


def worker_beat(timestamp: float) -> None:
    WORKER_HEARTBEAT.set(timestamp)
