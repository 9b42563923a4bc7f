"""Days made equal to a holiday by decree (art. 3(3) Algemene termijnenwet) in what the service
answers, and the operator's warning when a deadline falls where no decree is on file."""

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import cast

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock_warnings
from app.clocks import AMSTERDAM, read_gelijkstellingen
from app.messages import types
from app.messages.specs import MessageKind
from app.messages.validation import read_message
from app.organisations.models import Organisatie
from app.referrals import intake
from app.routing.service import RoutingCache
from tests.conftest import Parties, example

HEADER = "datum,besluit,vindplaats,geldt_van,geldt_tot"


@pytest.fixture
def fresh_process() -> Iterator[None]:
    """The warning is given once per process: start each test as a process that has not warned."""
    clock_warnings._Once.warned = False
    yield
    clock_warnings._Once.warned = False


async def test_a_referral_received_the_day_before_ascension_2026_is_due_after_the_decreed_friday(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Received Wednesday 13 May 2026: Ascension Day (14th) and the decreed Friday (15th) do not
    count, so Monday 18, Tuesday 19 and Wednesday 20 May are the three working days."""
    message = json.loads(example("doorverwijzing", "valid-minimaal.json"))
    message |= {"berichtId": str(uuid.uuid4()), "referentie": "DOSSIER-HEMELVAART-2026"}
    body = json.dumps(message).encode()
    received = datetime(2026, 5, 13, 10, 30, tzinfo=AMSTERDAM)
    async with sessionmaker() as session, session.begin():
        creditor = await session.get(Organisatie, parties.water.id)
        assert creditor is not None
        data = read_message(MessageKind.DOORVERWIJZING, body, "application/json", max_depth=32).data
        stored = await intake.receive(
            session,
            schuldeiser=creditor,
            message=cast(types.Doorverwijzing, data),
            routing=RoutingCache(0),
            now=received,
        )
    assert isinstance(stored, intake.Accepted)

    # the creditor sends the same message again and gets the original Ontvangstbevestiging back
    again = await client.post(
        "/v1/doorverwijzingen",
        content=body,
        headers={"Content-Type": "application/json", **parties.water.auth},
    )
    read = await client.get(f"/v1/doorverwijzingen/{stored.doorverwijzing.id}", headers=parties.water.auth)

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["contactUiterlijk"] == "2026-05-20"
    assert again.json()["incassostopTot"] == "2026-06-12"
    assert read.json()["contactUiterlijk"] == "2026-05-20"


def test_a_deadline_past_the_last_decree_is_computed_and_the_operator_is_warned_once(
    fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.clock_warnings")

    first = clock_warnings.contact_uiterlijk(date(2029, 5, 9))
    second = clock_warnings.contact_uiterlijk(date(2030, 3, 4))

    assert first == date(2029, 5, 15)
    assert second == date(2030, 3, 7)
    warnings = [r for r in caplog.records if r.name == "app.clock_warnings"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "2029" in warnings[0].getMessage()
    assert "atw_gelijkgestelde_dagen.csv" in warnings[0].getMessage()


def test_a_deadline_within_a_decree_on_file_gives_no_warning(
    fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="app.clock_warnings")

    assert clock_warnings.contact_uiterlijk(date(2026, 5, 13)) == date(2026, 5, 20)
    assert [r for r in caplog.records if r.name == "app.clock_warnings"] == []


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2026-05-16,Besluit X,,2026-01-01,2028-12-31", "weekend"),
        ("2029-05-11,Besluit X,,2026-01-01,2028-12-31", "outside its decree's period"),
        ("2026-05-15,,,2026-01-01,2028-12-31", "not named"),
        ("15-05-2026,Besluit X,,2026-01-01,2028-12-31", "Invalid isoformat"),
    ],
    ids=["weekend-day", "outside-period", "no-decree", "bad-date"],
)
def test_a_table_row_that_cannot_be_right_is_refused_with_its_line(row: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as refused:
        read_gelijkstellingen(iter([HEADER + "\n", row + "\n"]))

    assert "atw_gelijkgestelde_dagen.csv:2" in str(refused.value)
