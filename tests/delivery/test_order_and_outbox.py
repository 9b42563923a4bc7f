"""Events of one referral arrive in order; the outbox is written in the transaction of the change."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.models import Doorverwijzing, Gebeurtenis
from app.outbox import EventType, Uitgaand
from app.referrals import history
from app.referrals.lifecycle import Status
from tests.conftest import Parties
from tests.support.delivery import (
    TYPE_PREFIX,
    count,
    deliver,
    deliveries,
    subscribe,
)
from tests.support.lifecycle import referral_id, report_status, send_referral, status_message, withdraw
from tests.support.receiver import Receiver


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
