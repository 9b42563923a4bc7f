"""The polling mailbox: unconfirmed events oldest first as CloudEvents, paged with a cursor, gone once
confirmed."""

import base64
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.referrals.timers import run_timers
from tests.conftest import Parties
from tests.support.delivery import (
    TYPE_PREFIX,
    mailbox,
    status_of,
)
from tests.support.factories import received
from tests.support.lifecycle import referral_id, send_referral


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
    long_ago = datetime.now(UTC) - timedelta(days=60)
    paths = [await received(sessionmaker, parties.water, on=long_ago) for _ in range(20)]
    async with sessionmaker() as session, session.begin():
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
