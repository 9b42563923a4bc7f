"""The image's start commands, run on this machine exactly as the container runs them
(deploy/entrypoint.sh `migrate`, `api`, `worker`; README "Going to production"): one database, an
API process and a worker process. A referral with distinctive personal data goes through the API
and the worker to a webhook; the processes' every log line is JSON, follows the request id from
the API into the worker, and holds none of that personal data. Without a data key the API does not
start."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT
from app.db import create_engine, create_sessionmaker
from app.organisations import service as organisations
from app.organisations.models import Rol
from app.privacy import keys
from tests.conftest import POSTGRES_URL, _admin, _postgres_reachable
from tests.support.personal import PERSONAL, distinctive_referral
from tests.support.receiver import Receiver, running_receiver

ENTRYPOINT = PROJECT_ROOT / "deploy" / "entrypoint.sh"
TOKEN = "deployment-test-metrics-token-0123456789"
REQUEST_ID = "deploy-trace-7"
DEADLINE = 90.0  # seconds for a process to come up or an event to arrive


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    api: str
    logs: dict[str, Path]
    answers: dict[str, httpx.Response] = field(default_factory=dict)
    scraped: dict[str, str] = field(default_factory=dict)
    delivered: list[Any] = field(default_factory=list)

    def lines(self, process: str) -> list[str]:
        return [line for line in self.logs[process].read_text("utf-8").splitlines() if line.strip()]

    def records(self, process: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines(process)]


def _wait_for(check: Any, what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    """A fresh, empty database: PostgreSQL as in compose.yaml when it answers, else SQLite."""
    if not _postgres_reachable():
        if os.environ.get("WDV_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        yield f"sqlite+aiosqlite:///{tmp / 'wdv.db'}"
        return
    name = f"wdv_deploy_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _parties(database_url: str) -> tuple[str, str]:
    """A creditor and the uitvoerder for Amsterdam, with a key each (as `wdv org add` would)."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            water = await organisations.add_organisatie(
                session,
                naam="Waterbedrijf",
                rol=Rol.SCHULDEISER,
                oin="00000001234567890000",
                signaalpartner="Water",
            )
            amsterdam = await organisations.add_organisatie(session, naam="Kredietbank", rol=Rol.UITVOERDER)
            await organisations.set_coverage(
                session, uitvoerder=amsterdam, gemeentecode="0363", geldig_vanaf=date(2024, 1, 1)
            )
            return (
                await organisations.create_key(session, organisatie_id=water.id),
                await organisations.create_key(session, organisatie_id=amsterdam.id),
            )
    finally:
        await engine.dispose()


def _start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - the project's own script
            [str(ENTRYPOINT), command], env=env, stdout=output, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _exercise(stack: Stack, receiver: Receiver, creditor: str, uitvoerder: str) -> None:
    with httpx.Client(base_url=stack.api, timeout=30) as http:
        _wait_for(lambda: http.get("/health/live").status_code == 200, "the API to answer")
        created = http.post(
            "/v1/webhook-abonnementen",
            json={"url": receiver.url},
            headers={"Authorization": f"Bearer {uitvoerder}"},
        )
        assert created.status_code == 201, created.text
        receiver.secrets = [created.json()["secret"]]
        auth = {"Authorization": f"Bearer {creditor}"}
        stack.answers["referral"] = answer = http.post(
            "/v1/doorverwijzingen", json=distinctive_referral(), headers={**auth, "X-Request-ID": REQUEST_ID}
        )
        assert answer.status_code == 201, answer.text
        location = answer.headers["location"]
        # personal data in a query string, an invalid message and an address to route: none of it
        # may reach a log line either
        stack.answers["query"] = http.get(
            location, params={"bsn": PERSONAL["bsn"], "naam": PERSONAL["achternaam"]}, headers=auth
        )
        invalid = distinctive_referral()
        invalid["achterstand"]["bedrag"] = -1
        stack.answers["invalid"] = http.post("/v1/doorverwijzingen", json=invalid, headers=auth)
        stack.answers["unknown path"] = http.get(f"/v1/{PERSONAL['achternaam']}", headers=auth)
        stack.answers["routing"] = http.post(
            "/v1/routering", json={"postcode": "1012LG", "huisnummer": 1}, headers=auth
        )
        stack.delivered = _wait_for(lambda: receiver.events, "the webhook delivery")
        stack.answers["ready"] = _wait_for(
            lambda: (r := http.get("/health/ready")).status_code == 200 and r, "readiness"
        )
        stack.scraped["api"] = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("deployment")
    with ExitStack() as cleanup:
        database_url = cleanup.enter_context(_database(tmp))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("WDV_", "DATABASE_", "METRICS_", "PROMETHEUS_"))
        }
        env |= {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "DEBUG",
            "WEBHOOK_ALLOW_LOCAL": "true",
            "WORKER_IN_PROCESS": "false",
            "DELIVERY_POLL_SECONDS": "0.2",
        }
        logs = {name: tmp / f"{name}.log" for name in ("migrate", "api", "worker")}
        with logs["migrate"].open("wb") as output:
            migrated = subprocess.run(  # noqa: S603 - the project's own script
                [str(ENTRYPOINT), "migrate"], env=env, stdout=output, stderr=subprocess.STDOUT, timeout=300
            )
        assert migrated.returncode == 0, logs["migrate"].read_text()
        creditor, uitvoerder = asyncio.run(_parties(database_url))
        receiver = cleanup.enter_context(running_receiver())
        port, worker_metrics = free_port(), free_port()
        api = _start(
            "api",
            env | {"API_HOST": "127.0.0.1", "API_PORT": str(port), "METRICS_TOKEN": TOKEN},
            logs["api"],
        )
        cleanup.callback(_stop, api)
        worker = _start(
            "worker", env | {"METRICS_PORT": str(worker_metrics), "METRICS_HOST": "127.0.0.1"}, logs["worker"]
        )
        cleanup.callback(_stop, worker)
        stack = Stack(api=f"http://127.0.0.1:{port}", logs=logs)
        _exercise(stack, receiver, creditor, uitvoerder)
        stack.scraped["worker"] = httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics", timeout=30).text
        _stop(api)
        _stop(worker)
        yield stack


def test_the_stack_becomes_ready_once_migrated_with_a_worker_reporting(stack: Stack) -> None:
    checks = stack.answers["ready"].json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "pass",
        "migrations": "pass",
        "routing": "pass",
        "worker": "pass",
    }


def test_the_referral_reaches_the_webhook_through_the_worker(stack: Stack) -> None:
    assert stack.delivered[0].type.endswith(".ontvangen")
    assert stack.delivered[0].data["doorverwijzingId"] == stack.answers["referral"].json()["doorverwijzingId"]


def test_the_request_id_is_returned_and_follows_the_referral_into_the_worker(stack: Stack) -> None:
    assert stack.answers["referral"].headers["x-request-id"] == REQUEST_ID
    api_lines = [r for r in stack.records("api") if r.get("request_id") == REQUEST_ID]
    assert any(r["message"] == "request" and r["route"] == "/v1/doorverwijzingen" for r in api_lines)
    deliveries = [r for r in stack.records("worker") if r["message"] == "delivery attempt"]
    assert [r["request_id"] for r in deliveries if r["result"] == "success"][:1] == [REQUEST_ID]


def test_every_log_line_of_the_api_and_the_worker_is_a_json_object(stack: Stack) -> None:
    for process in ("api", "worker"):
        records = stack.records(process)
        assert records, process
        assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)


def test_no_log_line_holds_personal_data(stack: Stack) -> None:
    assert stack.answers["query"].status_code == 200
    assert stack.answers["invalid"].status_code == 400
    assert stack.answers["unknown path"].status_code == 404
    assert stack.answers["routing"].status_code == 200
    lines = [line for process in ("migrate", "api", "worker") for line in stack.lines(process)]
    assert len(lines) > 20
    leaks = [(name, line) for line in lines for name, value in PERSONAL.items() if value in line]
    assert leaks == []


def test_access_log_lines_name_the_route_without_query_string(stack: Stack) -> None:
    requests = [r for r in stack.records("api") if r["message"] == "request"]
    assert {"route": "/v1/doorverwijzingen/{doorverwijzing_id}", "status": 200} in [
        {"route": r["route"], "status": r["status"]} for r in requests
    ]
    assert all("?" not in (r.get("path") or "") for r in requests)
    assert [r.get("path") for r in requests if r["status"] == 404] == [None]


def test_the_api_and_the_worker_expose_their_own_metrics(stack: Stack) -> None:
    assert 'wdv_referrals_received_total{channel="api"} 1.0' in stack.scraped["api"]
    assert 'wdv_referrals_refused_total{channel="api",reason="ongeldig-bericht"} 1.0' in stack.scraped["api"]
    assert 'wdv_delivery_attempts_total{channel="webhook",result="success"}' in stack.scraped["worker"]
    assert "wdv_worker_heartbeat_timestamp_seconds" in stack.scraped["worker"]
    assert 'wdv_deliveries_by_status{channel="webhook",status="afgeleverd"}' in stack.scraped["worker"]


def test_the_api_answers_without_a_server_header(stack: Stack) -> None:
    assert "server" not in stack.answers["referral"].headers


def test_the_api_does_not_start_without_a_data_key_and_says_what_to_set(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WDV_", "DATABASE_", "METRICS_", "PROMETHEUS_", "DATA_KEYS"))
    }
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'wdv.db'}",
        "LOG_FORMAT": "json",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(free_port()),
    }

    started = subprocess.run(  # noqa: S603 - the project's own script
        [str(ENTRYPOINT), "api"], env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert started.returncode != 0
    records = [json.loads(line) for line in started.stderr.splitlines() if line.startswith("{")]
    assert [(r["level"], r["message"]) for r in records if r["level"] == "CRITICAL"] == [
        ("CRITICAL", "cannot start: " + keys.MISSING)
    ]
