"""What the creditor reports about its own collection after referring (DESIGN §10): every payment
recovery report kept, and drastic collection measures, flagged when taken during the hold.

Where dates matter, referrals are taken in as if received on Monday 3 March 2025: the collection
hold runs until 2 April.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.messages.specs import MessageKind
from app.models import Betalingsherstelmelding, IngrijpendeMaatregel
from tests.conftest import Parties
from tests.support.factories import applied, received, withdrawn
from tests.support.lifecycle import (
    EVENT,
    as_xml,
    history,
    message,
    moved,
    outbox,
    post,
    referral_id,
    send_referral,
)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def today(days: int = 0) -> str:
    return (vandaag() + timedelta(days=days)).isoformat()


async def betalingsherstel(
    client: httpx.AsyncClient, parties: Parties, path: str, soort: str, datum: str
) -> httpx.Response:
    return await post(client, parties.water, f"{path}/betalingsherstel", message(soort=soort, datum=datum))


async def maatregel(
    client: httpx.AsyncClient,
    parties: Parties,
    path: str,
    datum: str,
    soort: str = "afsluiting",
    **fields: Any,
) -> httpx.Response:
    data = message(maatregel=soort, datum=datum, **fields)
    return await post(client, parties.water, f"{path}/ingrijpende-maatregelen", data)


async def rows(sessionmaker: async_sessionmaker[AsyncSession], model: Any, path: str) -> list[Any]:
    async with sessionmaker() as session:
        found = await session.scalars(select(model).where(model.doorverwijzing_id == referral_id(path)))
        return list(found)


# --- Betalingsherstel as a history --------------------------------------------------------------


async def test_every_payment_recovery_report_is_kept_oldest_first(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    moved(await betalingsherstel(client, parties, path, "betalingen-hervat", today()))
    moved(await betalingsherstel(client, parties, path, "betalingen-niet-hervat", today()))

    response = await betalingsherstel(client, parties, path, "achterstand-ingelopen", today())

    assert response.status_code == 200
    reports = [(r["soort"], r["datum"]) for r in response.json()["betalingsherstel"]]
    assert reports == [
        ("betalingen-hervat", today()),
        ("betalingen-niet-hervat", today()),
        ("achterstand-ingelopen", today()),
    ]
    assert len(await rows(sessionmaker, Betalingsherstelmelding, path)) == 3


async def test_the_uitvoerder_sees_every_report_too(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)
    moved(await betalingsherstel(client, parties, path, "betalingen-niet-hervat", today()))

    view = (await client.get(path, headers=parties.amsterdam.auth)).json()

    assert [r["soort"] for r in view["betalingsherstel"]] == ["betalingen-niet-hervat"]


async def test_the_milestone_is_the_first_day_payments_were_reported_resumed(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))
    moved(await betalingsherstel(client, parties, path, "betalingen-hervat", "2025-03-20"))
    moved(await betalingsherstel(client, parties, path, "betalingen-niet-hervat", "2025-04-20"))

    response = await betalingsherstel(client, parties, path, "achterstand-ingelopen", "2025-05-01")

    assert response.json()["betalingsherstelOp"] == "2025-03-20"


async def test_payments_that_did_not_resume_set_no_milestone(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await betalingsherstel(client, parties, path, "betalingen-niet-hervat", today())

    assert response.status_code == 200
    assert response.json()["betalingsherstelOp"] is None
    assert response.json()["status"] == "ontvangen"


async def test_a_report_dated_before_the_referral_was_received_is_refused_at_datum(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))

    response = await betalingsherstel(client, parties, path, "betalingen-hervat", "2025-03-02")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "detail": "lies before the day the referral was received",
            "pointer": "/datum",
            "code": "voor-ontvangst",
        }
    ]
    assert await rows(sessionmaker, Betalingsherstelmelding, path) == []


async def test_in_xml_a_report_dated_before_receipt_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))
    body = as_xml(MessageKind.BETALINGSHERSTEL, message(soort="betalingen-hervat", datum="2025-03-02"))

    response = await post(client, parties.water, f"{path}/betalingsherstel", body)

    assert response.status_code == 400
    assert [(e["xpath"], e["code"]) for e in response.json()["errors"]] == [
        ("/betalingsherstel/datum", "voor-ontvangst")
    ]


async def test_a_report_on_the_day_of_receipt_is_accepted(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))

    response = await betalingsherstel(client, parties, path, "betalingen-hervat", "2025-03-03")

    assert response.status_code == 200


# --- drastic collection measures ----------------------------------------------------------------


async def test_a_measure_during_the_collection_hold_is_accepted_and_flagged_as_a_breach(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    response = await maatregel(client, parties, path, today(), toelichting="Afgesloten na aanmaning")

    assert response.status_code == 200
    [shown] = response.json()["ingrijpendeMaatregelen"]
    assert (shown["maatregel"], shown["datum"], shown["tijdensIncassostop"]) == ("afsluiting", today(), True)
    [stored] = await rows(sessionmaker, IngrijpendeMaatregel, path)
    assert (stored.maatregel, stored.tijdens_incassostop) == ("afsluiting", True)


async def test_a_measure_after_the_collection_hold_ended_is_no_breach(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))

    on_the_last_day = await maatregel(client, parties, path, "2025-04-02", soort="ontruiming-aangekondigd")
    the_day_after = await maatregel(client, parties, path, "2025-04-03", soort="ontruiming-uitgevoerd")

    assert on_the_last_day.json()["ingrijpendeMaatregelen"][0]["tijdensIncassostop"] is True
    assert the_day_after.json()["ingrijpendeMaatregelen"][1]["tijdensIncassostop"] is False


async def test_a_measure_after_the_creditor_withdrew_the_referral_is_no_breach(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))
    await withdrawn(sessionmaker, parties.water, path, on=at(date(2025, 3, 10)))

    before = await maatregel(client, parties, path, "2025-03-07", soort="overdracht-incassobureau")
    after = await maatregel(client, parties, path, "2025-03-10", soort="overdracht-deurwaarder")

    assert [m["tijdensIncassostop"] for m in after.json()["ingrijpendeMaatregelen"]] == [True, False]
    assert before.status_code == 200


async def test_an_agreed_extension_covers_measures_taken_after_it_was_agreed(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))
    await applied(
        sessionmaker,
        parties.amsterdam,
        path,
        MessageKind.VERLENGINGSVERZOEK,
        message(gevraagdTot="2025-04-30"),
        on=at(date(2025, 3, 25)),
    )
    verzoek = (await client.get(f"{path}/tijdlijn", headers=parties.water.auth)).json()["gebeurtenissen"][-1]
    # the hold ended on 2 April; the extension agreed on 10 April covers what came after that day
    await applied(
        sessionmaker,
        parties.water,
        path,
        MessageKind.VERLENGINGSANTWOORD,
        message(akkoord=True),
        on=at(date(2025, 4, 10)),
        target_id=uuid.UUID(verzoek["gegevens"]["verzoekId"]),
    )

    in_the_gap = await maatregel(client, parties, path, "2025-04-05", soort="beperking")
    extended = await maatregel(client, parties, path, "2025-04-15", soort="afsluiting")

    assert in_the_gap.json()["ingrijpendeMaatregelen"][0]["tijdensIncassostop"] is False
    assert extended.json()["ingrijpendeMaatregelen"][1]["tijdensIncassostop"] is True


async def test_the_uitvoerder_is_told_of_a_measure_and_the_creditor_not_of_its_own(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    moved(await maatregel(client, parties, path, today(), soort="ontruiming-aangekondigd"))

    events = [e for e in await outbox(sessionmaker) if e.type == EVENT + "ingrijpende-maatregel"]
    assert [e.ontvanger_id for e in events] == [parties.amsterdam.id]
    assert events[0].data == {
        "doorverwijzingId": str(referral_id(path)),
        "status": "ontvangen",
        "gemeentecode": "0363",
        "volgnummer": events[0].volgnummer,
    }


async def test_both_timelines_show_the_measure_and_that_it_breached_the_hold(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    moved(
        await maatregel(
            client, parties, path, today(), soort="overdracht-deurwaarder", toelichting="Dossier 12"
        )
    )

    for party in (parties.water, parties.amsterdam):
        timeline = (await client.get(f"{path}/tijdlijn", headers=party.auth)).json()
        entry = timeline["gebeurtenissen"][-1]
        assert (entry["soort"], entry["door"]) == ("ingrijpende-maatregel", "schuldeiser")
        assert entry["gegevens"] == {
            "maatregel": "overdracht-deurwaarder",
            "datum": today(),
            "toelichting": "Dossier 12",
            "tijdensIncassostop": True,
        }


async def test_a_measure_changes_no_status_and_is_accepted_on_a_closed_referral(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)
    moved(await post(client, parties.water, f"{path}/intrekking", message(reden="overig")))

    response = await maatregel(client, parties, path, today(), soort="ontruiming-uitgevoerd")

    assert response.status_code == 200
    assert response.json()["status"] == "ingetrokken"


@pytest.mark.parametrize("who", ["amsterdam", "energie", "rivierenland"])
async def test_only_the_sending_creditor_may_report_a_measure(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], who: str
) -> None:
    path = await send_referral(client, parties.water)

    response = await post(
        client,
        getattr(parties, who),
        f"{path}/ingrijpende-maatregelen",
        message(maatregel="afsluiting", datum=today()),
    )

    assert response.status_code == 404
    assert await rows(sessionmaker, IngrijpendeMaatregel, path) == []


async def test_a_measure_in_xml_is_applied_like_json(client: httpx.AsyncClient, parties: Parties) -> None:
    path = await send_referral(client, parties.water)
    body = as_xml(MessageKind.INGRIJPENDE_MAATREGEL, message(maatregel="beperking", datum=today()))

    response = await post(client, parties.water, f"{path}/ingrijpende-maatregelen", body)

    assert response.status_code == 200
    assert response.json()["ingrijpendeMaatregelen"][0]["maatregel"] == "beperking"


async def test_a_measure_dated_before_receipt_is_refused_at_datum_in_xml(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await received(sessionmaker, parties.water, on=at(date(2025, 3, 3), 9))
    body = as_xml(MessageKind.INGRIJPENDE_MAATREGEL, message(maatregel="afsluiting", datum="2025-02-28"))

    response = await post(client, parties.water, f"{path}/ingrijpende-maatregelen", body)

    assert response.status_code == 400
    assert [(e["xpath"], e["code"]) for e in response.json()["errors"]] == [
        ("/ingrijpendeMaatregel/datum", "voor-ontvangst")
    ]


async def test_an_unknown_measure_is_refused_naming_the_field(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    path = await send_referral(client, parties.water)

    response = await maatregel(client, parties, path, today(), soort="beslag")

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/maatregel"]


async def test_the_same_measure_sent_twice_is_kept_once(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    data = message(maatregel="afsluiting", datum=today())

    first = await post(client, parties.water, f"{path}/ingrijpende-maatregelen", data)
    again = await post(client, parties.water, f"{path}/ingrijpende-maatregelen", data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await rows(sessionmaker, IngrijpendeMaatregel, path)) == 1
    assert [e.soort for e in await history(sessionmaker, path)].count("ingrijpende-maatregel") == 1
