"""A referral's events reach a real receiver on loopback as signed CloudEvents without personal data; a
delivered new referral is afgeleverd; rotation, test events, disabled and filtered subscriptions."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from app.config import Settings
from app.delivery import service
from app.delivery.models import Abonnement
from tests.conftest import Parties
from tests.support.delivery import (
    TYPE_PREFIX,
    deliver,
    mailbox,
    status_of,
    subscribe,
)
from tests.support.lifecycle import referral_id, send_referral, withdraw
from tests.support.receiver import Receiver


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
        [found] = await session.scalars(select(Abonnement))
        await service.disable(session, found, "disabled by the test")
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
