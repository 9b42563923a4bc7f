"""Reliable event delivery (DESIGN §8): webhook subscriptions, signed CloudEvents sent to a real
receiver on loopback, retries on the schedule, exhausted deliveries and their replay, order per
referral, the outbox written with the change, and the polling mailbox."""

import asyncio
import base64
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import Settings, get_settings
from app.delivery import schedule, service
from app.delivery.models import Abonnement, Bezorging, Bezorgpoging
from app.delivery.worker import deliver_round
from app.main import create_app
from app.models import Doorverwijzing, Gebeurtenis
from app.outbox import EventType, Uitgaand
from app.referrals import history
from app.referrals.lifecycle import Status
from app.referrals.timers import run_timers
from app.worker import delivery_channels
from tests.conftest import Parties, Party
from tests.lifecycle_helpers import referral_id, report_status, send_referral, status_message, withdraw
from tests.receiver import Receiver, running_receiver

TYPE_PREFIX = "nl.schuldhulp.warme-doorverwijzing."
PUBLIC_URL = "https://93.184.215.14/webhooks/wdv"  # a public address literal: no DNS needed, never called


# --- fixtures -----------------------------------------------------------------------------------


def delivery_settings(database_url: str, *, allow_local: bool = True) -> Settings:
    return Settings(
        database_url=database_url,
        webhook_allow_local=allow_local,
        worker_in_process=False,
        routing_refresh_seconds=0,
    )


@asynccontextmanager
async def api_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The service in-process, without its embedded worker: the tests run the rounds themselves."""
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """get_settings() is cached per process: start and end without it, and without local targets
    allowed by the environment, so only the settings given to the app decide."""
    monkeypatch.delenv("WEBHOOK_ALLOW_LOCAL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return delivery_settings(database_url)


@pytest.fixture
async def api(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], environment: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as http:
        yield http


@pytest.fixture
async def strict_api(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], environment: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The service as deployed: https only, public addresses only."""
    async with api_client(delivery_settings(database_url, allow_local=False)) as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def sender() -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client the worker sends with."""
    async with httpx.AsyncClient(follow_redirects=False) as http:
        yield http


# --- helpers --------------------------------------------------------------------------------------


async def subscribe(
    api: httpx.AsyncClient, party: Party, receiver: Receiver, **fields: Any
) -> dict[str, Any]:
    """Subscribe the receiver for `party` and give the receiver the secret to verify with."""
    response = await api.post(
        "/v1/webhook-abonnementen", json={"url": receiver.url, **fields}, headers=party.auth
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secrets = [created["secret"]]
    return created


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    *,
    now: datetime | None = None,
) -> int:
    """One worker round with a fixed jitter; returns how many attempts were made."""
    channels = delivery_channels(settings, sender, sender)
    return await deliver_round(sessionmaker, settings, channels, rng=random.Random(0), now=now)


async def deliveries(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Bezorging]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Bezorging).order_by(Bezorging.volgnummer)))


async def only_delivery(sessionmaker: async_sessionmaker[AsyncSession]) -> Bezorging:
    [delivery] = await deliveries(sessionmaker)
    return delivery


async def attempts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Bezorgpoging]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Bezorgpoging).order_by(Bezorgpoging.tijdstip)))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def status_of(api: httpx.AsyncClient, party: Party, path: str) -> str:
    response = await api.get(path, headers=party.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def mailbox(api: httpx.AsyncClient, party: Party, **params: Any) -> dict[str, Any]:
    response = await api.get("/v1/berichten", params=params, headers=party.auth)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def fail_until_exhausted(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> Bezorging:
    """Let the only delivery fail on every attempt of the schedule, advancing the clock each time."""
    receiver.answer_next(schedule.ATTEMPTS, 500)
    moment = datetime.now(UTC)
    for _ in range(schedule.ATTEMPTS):
        assert await deliver(sessionmaker, settings, sender, now=moment) == 1
        moment = (await only_delivery(sessionmaker)).volgende_poging_op
    return await only_delivery(sessionmaker)


def wdv(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


async def wdv_async(*args: str) -> Result:
    """The command line runs its own event loop, so it runs in another thread."""
    return await asyncio.to_thread(wdv, *args)


@pytest.fixture
def wdv_database(database_url: str, environment: pytest.MonkeyPatch) -> str:
    environment.setenv("DATABASE_URL", database_url)
    return database_url


# --- subscriptions --------------------------------------------------------------------------------


async def test_a_subscription_is_created_with_a_whsec_secret(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["soorten"], body["actief"]) == (PUBLIC_URL, [], True)


async def test_a_subscription_can_be_limited_to_event_types(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen",
        json={"url": PUBLIC_URL, "soorten": ["ontvangen"]},
        headers=parties.amsterdam.auth,
    )

    assert response.status_code == 201, response.text
    assert response.json()["soorten"] == ["ontvangen"]


async def test_an_http_url_is_refused_with_a_pointer_to_the_url(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen",
        json={"url": PUBLIC_URL.replace("https://", "http://")},
        headers=parties.amsterdam.auth,
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


async def test_an_http_url_is_accepted_where_local_targets_are_allowed(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    response = await api.post(
        "/v1/webhook-abonnementen", json={"url": "http://127.0.0.1:9/hook"}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://user:secret@93.184.215.14/hook",
    ],
)
async def test_a_url_to_an_internal_address_or_with_credentials_is_refused(
    strict_api: httpx.AsyncClient, parties: Parties, url: str
) -> None:
    response = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": url}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


async def test_the_list_shows_the_subscriptions_without_their_secret(
    strict_api: httpx.AsyncClient, parties: Parties
) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    listed = await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)

    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]
    assert "secret" not in listed.json()[0]
    assert created.json()["secret"] not in listed.text


async def test_a_deleted_subscription_is_gone(strict_api: httpx.AsyncClient, parties: Parties) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )
    path = f"/v1/webhook-abonnementen/{created.json()['id']}"

    first = await strict_api.delete(path, headers=parties.amsterdam.auth)
    second = await strict_api.delete(path, headers=parties.amsterdam.auth)

    assert (first.status_code, second.status_code) == (204, 404)
    assert (await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)).json() == []


async def test_a_deleted_subscription_is_sent_nothing_more(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    created = await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    started = datetime.now(UTC)
    await deliver(sessionmaker, settings, sender, now=started)

    deleted = await api.delete(f"/v1/webhook-abonnementen/{created['id']}", headers=parties.amsterdam.auth)
    sent = await deliver(sessionmaker, settings, sender, now=started + timedelta(days=4))

    assert (deleted.status_code, sent) == (204, 0)
    assert len(receiver.requests) == 1
    assert await deliveries(sessionmaker) == []


@pytest.mark.parametrize(
    ("method", "suffix"), [("DELETE", ""), ("POST", "/secret-rotatie"), ("POST", "/test")]
)
async def test_another_organisations_subscription_is_404(
    strict_api: httpx.AsyncClient, parties: Parties, method: str, suffix: str
) -> None:
    created = await strict_api.post(
        "/v1/webhook-abonnementen", json={"url": PUBLIC_URL}, headers=parties.amsterdam.auth
    )

    response = await strict_api.request(
        method, f"/v1/webhook-abonnementen/{created.json()['id']}{suffix}", headers=parties.rivierenland.auth
    )

    assert response.status_code == 404
    listed = await strict_api.get("/v1/webhook-abonnementen", headers=parties.amsterdam.auth)
    assert [s["id"] for s in listed.json()] == [created.json()["id"]]


# --- delivery of a referral's events --------------------------------------------------------------


async def test_a_new_referral_reaches_the_uitvoerder_as_a_signed_cloudevent(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)

    assert await deliver(sessionmaker, settings, sender) == 1

    assert receiver.rejected == []  # every request verified against the secret and parsed
    [event] = receiver.events
    assert event.attributes["specversion"] == "1.0"
    assert event.attributes["source"].startswith("urn:nld:")
    assert event.type == TYPE_PREFIX + "ontvangen"
    assert event.attributes["subject"] == str(referral_id(path))
    assert event.attributes["dataref"] == settings.public_base_url + path
    assert event.webhook_id == event.id
    assert event.data["doorverwijzingId"] == str(referral_id(path))
    Webhook(receiver.secrets[0]).verify(event.body, event.headers)


async def test_the_webhook_payload_holds_no_personal_data(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    toelichting = "Mevrouw wil graag hulp bij haar financien, bellen na 17:00."
    await send_referral(
        api,
        parties.water,
        inwoner__achternaam="Vandenberghe",
        inwoner__burgerservicenummer="999993653",
        inwoner__adres__straatnaam="Damrak",
        toelichting=toelichting,
    )

    await deliver(sessionmaker, settings, sender)

    [event] = receiver.events
    body = event.body.decode()
    for personal in ("Vandenberghe", "999993653", "1012 LG", "1012LG", "Damrak", toelichting):
        assert personal not in body
    assert set(event.data) == {"doorverwijzingId", "status", "gemeentecode", "volgnummer"}


async def test_a_delivered_ontvangen_event_makes_the_referral_afgeleverd_and_tells_the_creditor(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)

    await deliver(sessionmaker, settings, sender)

    assert await status_of(api, parties.water, path) == "afgeleverd"
    told = [
        e for e in (await mailbox(api, parties.water))["berichten"] if e["subject"] == str(referral_id(path))
    ]
    assert [(e["type"], e["data"]["status"]) for e in told] == [
        (TYPE_PREFIX + "status-gewijzigd", "afgeleverd")
    ]


async def test_a_webhook_delivered_event_no_longer_waits_in_the_mailbox(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    assert len((await mailbox(api, parties.amsterdam))["berichten"]) == 1

    await deliver(sessionmaker, settings, sender)

    assert (await mailbox(api, parties.amsterdam))["berichten"] == []


async def test_after_rotation_the_signature_verifies_with_the_old_and_the_new_secret(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    created = await subscribe(api, parties.amsterdam, receiver)
    path = f"/v1/webhook-abonnementen/{created['id']}"
    rotated = await api.post(f"{path}/secret-rotatie", headers=parties.amsterdam.auth)
    assert rotated.status_code == 200, rotated.text
    old, new = created["secret"], rotated.json()["secret"]
    receiver.secrets = [new]
    await send_referral(api, parties.water)

    await deliver(sessionmaker, settings, sender)

    [event] = receiver.events
    assert new != old
    assert [s.split(",")[0] for s in event.signature.split(" ")] == ["v1", "v1"]
    Webhook(old).verify(event.body, event.headers)
    Webhook(new).verify(event.body, event.headers)


async def test_a_test_event_reaches_the_subscription(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    created = await subscribe(api, parties.amsterdam, receiver)

    response = await api.post(
        f"/v1/webhook-abonnementen/{created['id']}/test", headers=parties.amsterdam.auth
    )
    await deliver(sessionmaker, settings, sender)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "wachtend"
    assert [e.type for e in receiver.events] == [TYPE_PREFIX + "test"]
    assert receiver.events[0].id == response.json()["berichtId"]


async def test_a_disabled_subscription_gets_no_new_events(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Abonnement).values(actief=False, uitgeschakeld_reden="test"))
    await send_referral(api, parties.water)

    assert await deliver(sessionmaker, settings, sender) == 0

    assert receiver.requests == []


async def test_a_subscription_limited_to_other_event_types_is_not_sent_the_event(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver, soorten=["ingetrokken"])
    path = await send_referral(api, parties.water)
    await deliver(sessionmaker, settings, sender)

    assert (await withdraw(api, parties.water, path)).status_code == 200
    await deliver(sessionmaker, settings, sender)

    assert [e.type for e in receiver.events] == [TYPE_PREFIX + "ingetrokken"]


# --- retries --------------------------------------------------------------------------------------


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


# --- exhausted deliveries and replay --------------------------------------------------------------


async def test_after_ten_failed_attempts_the_delivery_is_mislukt_and_listed(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)

    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    assert (delivery.status, delivery.pogingen) == ("mislukt", 10)
    listed = (await api.get("/v1/bezorgingen", headers=parties.amsterdam.auth)).json()
    assert [(d["id"], d["status"], d["pogingen"], d["laatsteFout"]) for d in listed] == [
        (str(delivery.id), "mislukt", 10, "HTTP 500")
    ]
    assert (await api.get("/v1/bezorgingen", headers=parties.water.auth)).json() == []


async def test_wdv_deliveries_failed_lists_an_exhausted_delivery(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    wdv_database: str,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    result = await wdv_async("deliveries", "failed")

    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{delivery.id} {parties.amsterdam.id} {receiver.url} attempts=10")


async def test_a_replayed_delivery_arrives(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    replayed = await api.post(f"/v1/bezorgingen/{delivery.id}/opnieuw", headers=parties.amsterdam.auth)
    await deliver(sessionmaker, settings, sender)

    assert replayed.status_code == 202, replayed.text
    assert (replayed.json()["status"], replayed.json()["pogingen"]) == ("wachtend", 0)
    assert [r.answered for r in receiver.requests][-1] == 200
    assert (await only_delivery(sessionmaker)).status == "afgeleverd"
    assert await status_of(api, parties.water, path) == "afgeleverd"


async def test_another_organisation_cannot_replay_a_delivery(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    delivery = await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    response = await api.post(f"/v1/bezorgingen/{delivery.id}/opnieuw", headers=parties.rivierenland.auth)

    assert response.status_code == 404
    assert (await only_delivery(sessionmaker)).status == "mislukt"


async def test_wdv_deliveries_replay_all_makes_an_exhausted_delivery_arrive(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
    wdv_database: str,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    await send_referral(api, parties.water)
    await fail_until_exhausted(sessionmaker, settings, sender, receiver)

    result = await wdv_async("deliveries", "replay", "--all")
    await deliver(sessionmaker, settings, sender)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "replaying 1 deliveries"
    assert (await only_delivery(sessionmaker)).status == "afgeleverd"
    assert len(receiver.events) == 1


# --- order per referral ---------------------------------------------------------------------------


async def test_a_later_event_waits_while_an_earlier_one_of_the_same_referral_is_retried(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    started = datetime.now(UTC)
    await deliver(sessionmaker, settings, sender, now=started)
    assert (await withdraw(api, parties.water, path)).status_code == 200

    # the withdrawal is due at once, the retry of ontvangen only after the schedule's 5 s
    sent = await deliver(sessionmaker, settings, sender, now=started + timedelta(seconds=1))

    assert sent == 0
    assert [r.type for r in receiver.requests] == [TYPE_PREFIX + "ontvangen"]
    assert [d.status for d in await deliveries(sessionmaker)] == ["wachtend", "wachtend"]


async def test_once_the_earlier_event_is_delivered_the_later_one_follows(
    api: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    sender: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    await subscribe(api, parties.amsterdam, receiver)
    path = await send_referral(api, parties.water)
    receiver.answer_next(1, 500)
    await deliver(sessionmaker, settings, sender, now=datetime.now(UTC))
    assert (await withdraw(api, parties.water, path)).status_code == 200
    retry_due = (await deliveries(sessionmaker))[0].volgende_poging_op

    while await deliver(sessionmaker, settings, sender, now=retry_due):
        pass

    assert [e.type for e in receiver.events] == [TYPE_PREFIX + "ontvangen", TYPE_PREFIX + "ingetrokken"]
    assert [d.status for d in await deliveries(sessionmaker)] == ["afgeleverd", "afgeleverd"]


# --- the outbox is written in the transaction of the change ---------------------------------------


async def test_a_refused_status_report_leaves_neither_history_nor_outbox_rows(
    api: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(api, parties.water)
    moved = await report_status(api, parties.amsterdam, path, Status.CONTACT_GELEGD)
    assert moved.status_code == 200, moved.text
    before = (await count(sessionmaker, Gebeurtenis), await count(sessionmaker, Uitgaand))

    # a valid contact attempt (recorded first) with a status that may not follow contact_gelegd
    attempt = {"soort": "Telefoon", "bereikt": False, "datum": datetime.now(UTC).date().isoformat()}
    response = await api.post(
        f"{path}/statusmeldingen",
        json=status_message(Status.OPGEPAKT, contactpoging=attempt),
        headers=parties.amsterdam.auth,
    )

    assert response.status_code == 409, response.text
    assert (await count(sessionmaker, Gebeurtenis), await count(sessionmaker, Uitgaand)) == before


async def test_a_rolled_back_change_leaves_no_outbox_row(
    api: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(api, parties.water)
    before = await count(sessionmaker, Uitgaand)

    async with sessionmaker() as session:
        referral = await session.get(Doorverwijzing, referral_id(path))
        assert referral is not None
        history.record(session, referral, soort=EventType.INGETROKKEN, now=datetime.now(UTC), actor_id=None)
        await session.flush()
        written = int(await session.scalar(select(func.count()).select_from(Uitgaand)) or 0)
        await session.rollback()

    assert written == before + 2  # one for the creditor, one for the uitvoerder, inside the transaction
    assert await count(sessionmaker, Uitgaand) == before


# --- the mailbox ----------------------------------------------------------------------------------


async def test_the_mailbox_lists_unconfirmed_events_oldest_first_as_cloudevents(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    paths = [await send_referral(api, parties.water) for _ in range(3)]

    page = await mailbox(api, parties.amsterdam)

    assert [e["subject"] for e in page["berichten"]] == [str(referral_id(p)) for p in paths]
    assert {(e["specversion"], e["type"]) for e in page["berichten"]} == {("1.0", TYPE_PREFIX + "ontvangen")}
    assert all(e["source"].startswith("urn:nld:") for e in page["berichten"])
    assert page["volgende"] is None


async def test_the_mailbox_pages_with_limit_and_the_volgende_cursor(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    paths = [await send_referral(api, parties.water) for _ in range(5)]

    first = await mailbox(api, parties.amsterdam, limit=2)
    second = await mailbox(api, parties.amsterdam, limit=2, cursor=first["volgende"])
    third = await mailbox(api, parties.amsterdam, limit=2, cursor=second["volgende"])

    pages = [first, second, third]
    assert [[e["subject"] for e in p["berichten"]] for p in pages] == [
        [str(referral_id(p)) for p in paths[0:2]],
        [str(referral_id(p)) for p in paths[2:4]],
        [str(referral_id(paths[4]))],
    ]
    assert third["volgende"] is None


async def test_a_confirmed_message_leaves_the_mailbox(api: httpx.AsyncClient, parties: Parties) -> None:
    first, second = await send_referral(api, parties.water), await send_referral(api, parties.water)
    [to_confirm, _] = (await mailbox(api, parties.amsterdam))["berichten"]

    response = await api.post(f"/v1/berichten/{to_confirm['id']}/bevestiging", headers=parties.amsterdam.auth)

    assert response.status_code == 204
    assert to_confirm["subject"] == str(referral_id(first))
    left = (await mailbox(api, parties.amsterdam))["berichten"]
    assert [e["subject"] for e in left] == [str(referral_id(second))]


async def test_unconfirmed_messages_come_back_on_the_next_fetch(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    await send_referral(api, parties.water)
    await send_referral(api, parties.water)

    fetched = await mailbox(api, parties.amsterdam)
    again = await mailbox(api, parties.amsterdam)

    assert len(again["berichten"]) == 2
    assert again["berichten"] == fetched["berichten"]


async def test_confirming_another_organisations_message_is_404(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    await send_referral(api, parties.water)
    [message] = (await mailbox(api, parties.amsterdam))["berichten"]

    response = await api.post(f"/v1/berichten/{message['id']}/bevestiging", headers=parties.rivierenland.auth)

    assert response.status_code == 404
    assert (await mailbox(api, parties.amsterdam))["berichten"] == [message]


async def test_the_mailbox_keeps_the_order_of_events_written_at_the_same_moment(
    api: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    paths = [await send_referral(api, parties.water) for _ in range(20)]
    long_ago = datetime.now(UTC).date() - timedelta(days=60)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Doorverwijzing).values(contact_uiterlijk=long_ago, incassostop_tot=long_ago)
        )
        await run_timers(session, now=datetime.now(UTC), herinnering_dagen=5)  # two events per referral

    listed = (await mailbox(api, parties.water, limit=500))["berichten"]

    for path in paths:
        sequence = [int(e["sequence"]) for e in listed if e["subject"] == str(referral_id(path))]
        assert len(sequence) == 2
        assert sequence == sorted(sequence)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        _b64("just one part"),
        _b64(f"yesterday|1|{uuid.uuid4()}"),
        _b64(f"2026-01-01T00:00:00+00:00|first|{uuid.uuid4()}"),
        _b64("2026-01-01T00:00:00+00:00|1|not-a-uuid"),
    ],
)
async def test_a_bad_cursor_is_400(api: httpx.AsyncClient, parties: Parties, cursor: str) -> None:
    response = await api.get("/v1/berichten", params={"cursor": cursor}, headers=parties.amsterdam.auth)

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/query/cursor"]


async def test_a_cursor_with_an_out_of_range_number_is_400(api: httpx.AsyncClient, parties: Parties) -> None:
    cursor = _b64(f"2026-01-01T00:00:00+00:00|99999999999999999999|{uuid.uuid4()}")

    response = await api.get("/v1/berichten", params={"cursor": cursor}, headers=parties.amsterdam.auth)

    assert response.status_code == 400


async def test_confirming_the_ontvangen_event_makes_the_referral_afgeleverd(
    api: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(api, parties.water)
    [message] = (await mailbox(api, parties.amsterdam))["berichten"]

    await api.post(f"/v1/berichten/{message['id']}/bevestiging", headers=parties.amsterdam.auth)

    assert await status_of(api, parties.water, path) == "afgeleverd"
    assert await status_of(api, parties.amsterdam, path) == "afgeleverd"
