"""Operating the service: health checks, metrics, the request id, configuration warnings, failing
deliveries in the API, and the interactive documentation."""

import json
import logging
import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery.schemas import NieuwAbonnement
from app.delivery.worker import deliver_round
from app.logs import bind_request_id, current_request_id
from app.main import create_app
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.models import Organisatie, Uitgaand
from app.openapi import MESSAGE_SCHEMAS, message_kind
from app.ops import heartbeat
from app.ops.health import readiness
from app.ops.startup import unconfigured_channels
from app.organisations.models import Kanaal
from app.peers.api import Statusupdate
from app.peers.channels import set_channel
from app.routing.service import RoutingCache
from app.schemas import Adres
from app.worker import delivery_channels
from tests.conftest import Parties
from tests.support.lifecycle import send_referral
from tests.support.messages import referral

TOKEN = "metrics-token-for-tests-0123456789"


def settings_for(database_url: str, **values: Any) -> Settings:
    return Settings(database_url=database_url, worker_in_process=False, routing_refresh_seconds=0, **values)


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application, http


# --- health -------------------------------------------------------------------------------------


async def test_live_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "pass"}
    assert response.headers["content-type"] == "application/health+json"


async def test_ready_fails_until_a_worker_reports(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["status"] == "fail"
    assert "wdv worker" in body["checks"]["worker"]["reden"]
    assert {name: body["checks"][name]["status"] for name in ("database", "migrations", "routing")} == {
        "database": "pass",
        "migrations": "pass",
        "routing": "pass",
    }

    await heartbeat.beat(sessionmaker, now=datetime.now(UTC))
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "pass"


async def test_ready_fails_when_the_last_heartbeat_is_too_old(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await heartbeat.beat(sessionmaker, now=datetime.now(UTC) - timedelta(minutes=10))
    response = await client.get("/health/ready")
    assert response.status_code == 503
    assert "no worker reported in the last 120 s" in response.json()["checks"]["worker"]["reden"]


async def test_ready_ignores_the_worker_when_none_is_expected(database_url: str) -> None:
    async with served(settings_for(database_url, worker_expected=False)) as (_, http):
        response = await http.get("/health/ready")
    assert response.status_code == 200
    assert "worker" not in response.json()["checks"]


async def test_ready_fails_when_migrations_are_behind(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE alembic_version SET version_num = '0004'"))
        result = await readiness(session, settings=Settings(), routing=RoutingCache(0), now=datetime.now(UTC))
        await session.rollback()
    assert not result.ok
    assert result.checks["migrations"]["revisie"] == "0004"
    assert "wdv db upgrade" in result.checks["migrations"]["reden"]


async def test_ready_fails_without_a_routing_table(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE routeringstabellen SET status = 'vervangen'"))
        result = await readiness(
            session, settings=Settings(worker_expected=False), routing=RoutingCache(0), now=datetime.now(UTC)
        )
        await session.rollback()
    assert result.checks["routing"]["status"] == "fail"
    assert "wdv routing load-default" in result.checks["routing"]["reden"]


async def test_health_routes_are_not_part_of_the_public_api_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/v1/openapi.json")).json()["paths"]
    assert not [path for path in paths if "health" in path or "metrics" in path]


# --- metrics ------------------------------------------------------------------------------------


async def test_metrics_are_not_served_unless_the_operator_chooses(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert "METRICS_TOKEN" in response.json()["detail"]


async def test_metrics_need_the_token(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with served(settings_for(database_url, metrics_token=TOKEN)) as (_, http):
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        await http.get("/health/live")
        response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'wdv_http_requests_total{method="GET",route="/health/live",status="200"}' in response.text
    assert 'wdv_outbox_pending{state="unconfirmed"}' in response.text
    assert "wdv_worker_heartbeat_age_seconds -1.0" in response.text


async def test_requests_are_counted_by_route_template_not_by_path(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    await client.get(path, headers=parties.water.auth)
    labels = {"method": "GET", "route": "/v1/doorverwijzingen/{doorverwijzing_id}", "status": "200"}
    assert (REGISTRY.get_sample_value("wdv_http_requests_total", labels) or 0) >= 1
    exposed = "\n".join(
        sample.labels.get("route", "") for metric in REGISTRY.collect() for sample in metric.samples
    )
    assert path.rsplit("/", 1)[-1] not in exposed


async def test_referrals_received_and_refused_are_counted_by_reason(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    received = value("wdv_referrals_received_total", channel="api")
    invalid = value("wdv_referrals_refused_total", channel="api", reason="ongeldig-bericht")
    not_taking_part = value("wdv_referrals_refused_total", channel="api", reason="gemeente-neemt-niet-deel")

    await send_referral(client, parties.water)
    await client.post("/v1/doorverwijzingen", json={"berichtId": "x"}, headers=parties.water.auth)
    elsewhere = referral()
    elsewhere["inwoner"]["adres"] |= {"postcode": "9999AB", "huisnummer": 1}  # no uitvoerder there
    answer = await client.post("/v1/doorverwijzingen", json=elsewhere, headers=parties.water.auth)
    assert answer.json()["type"].endswith(":gemeente-neemt-niet-deel")

    assert value("wdv_referrals_received_total", channel="api") == received + 1
    assert value("wdv_referrals_refused_total", channel="api", reason="ongeldig-bericht") == invalid + 1
    assert (
        value("wdv_referrals_refused_total", channel="api", reason="gemeente-neemt-niet-deel")
        == not_taking_part + 1
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_metrics_on_a_port_of_their_own_need_no_token(database_url: str) -> None:
    port = free_port()
    async with served(settings_for(database_url, metrics_port=port)) as (_, http):
        assert (await http.get("/metrics")).status_code == 404  # not on the API port
        async with httpx.AsyncClient() as plain:
            response = await plain.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert "wdv_deliveries_by_status" in response.text or "wdv_outbox_pending" in response.text


# --- request id ---------------------------------------------------------------------------------


async def test_a_sane_request_id_is_returned_and_kept_on_the_events_of_that_request(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/v1/doorverwijzingen",
        json=referral(),
        headers={**parties.water.auth, "X-Request-ID": "trace-42.a:b"},
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "trace-42.a:b"
    async with sessionmaker() as session:
        events = list(await session.scalars(select(Uitgaand)))
    assert events
    assert {event.request_id for event in events} == {"trace-42.a:b"}


@pytest.mark.parametrize("incoming", ["", "has spaces", "x" * 200, "-leading-dash", "semi;colon", 'quote"d'])
async def test_an_unusable_request_id_is_replaced_by_a_new_one(
    client: httpx.AsyncClient, incoming: str
) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": incoming})
    returned = response.headers["x-request-id"]
    assert returned != incoming
    assert re.fullmatch("[0-9a-f]{32}", returned)


# --- peer channels without their peer -----------------------------------------------------------


async def make_vroegsignalering_uitvoerder(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    async with sessionmaker() as session, session.begin():
        organisation = await session.get(Organisatie, parties.amsterdam.id)
        assert organisation is not None
        await set_channel(
            session,
            organisatie=organisation,
            kanaal=Kanaal.VROEGSIGNALERING,
            adres="GM0363",
            settings=Settings(vroegsignalering_url="http://127.0.0.1:9/api/v1"),
            now=datetime.now(UTC),
        )


async def test_start_up_warns_about_channels_whose_peer_is_not_configured(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await make_vroegsignalering_uitvoerder(sessionmaker, parties)
    async with sessionmaker() as session:
        assert (
            await unconfigured_channels(session, settings_for(database_url, vroegsignalering_url="http://x"))
            == []
        )
    with caplog.at_level(logging.WARNING, logger="wdv.startup"):
        async with served(settings_for(database_url)):
            pass
    warnings = [r.getMessage() for r in caplog.records if r.name == "wdv.startup"]
    assert len(warnings) == 1
    assert (
        "1 organisation(s) use the vroegsignalering channel but VROEGSIGNALERING_URL is not set"
        in warnings[0]
    )


async def test_deliveries_failing_for_an_unconfigured_peer_show_in_bezorgingen_while_retried(
    database_url: str,
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    parties: Parties,
) -> None:
    await make_vroegsignalering_uitvoerder(sessionmaker, parties)
    await send_referral(client, parties.water)
    async with httpx.AsyncClient() as http:
        attempts = await deliver_round(
            sessionmaker,
            settings_for(database_url),
            delivery_channels(settings_for(database_url), http, http),
        )
    assert attempts == 1

    response = await client.get("/v1/bezorgingen", headers=parties.amsterdam.auth)
    assert response.status_code == 200
    [failing] = response.json()
    assert failing["status"] == "wachtend"
    assert failing["laatsteFout"] == "VROEGSIGNALERING_URL is not set"
    assert failing["pogingen"] == 1


# --- interactive documentation ------------------------------------------------------------------


async def test_swagger_ui_has_no_oauth2_redirect_reference(client: httpx.AsyncClient) -> None:
    page = await client.get("/v1/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert "oauth2RedirectUrl" not in page.text
    assert (await client.get("/docs/oauth2-redirect")).status_code == 404


async def test_every_request_body_offers_valid_examples_first(client: httpx.AsyncClient) -> None:
    document = (await client.get("/v1/openapi.json")).json()
    shared = document["components"]["examples"]
    models: dict[str, Any] = {
        "Adres": Adres,
        "NieuwAbonnement": NieuwAbonnement,
        "Statusupdate": Statusupdate,
    }
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            content = operation["requestBody"]["content"]["application/json"]
            schema = content["schema"]
            body = schema.get("$ref", "").rsplit("/", 1)[-1] or schema["title"]
            assert content.get("examples"), f"{method} {path} has no examples"
            for reference in content["examples"].values():
                value = shared[reference["$ref"].rsplit("/", 1)[-1]]["value"]
                if body in MESSAGE_SCHEMAS:
                    read_message(
                        MessageKind(message_kind(body)),
                        json.dumps(value).encode(),
                        "application/json",
                        max_depth=32,
                    )
                else:
                    models[body].model_validate(value)
                checked += 1
    assert checked >= 20


async def test_a_worker_round_starts_outside_any_request(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Events written by timers carry no request id left over from an earlier delivery."""
    bind_request_id(str(uuid.uuid4()))
    await heartbeat.beat(sessionmaker, now=datetime.now(UTC))
    assert current_request_id() is None
