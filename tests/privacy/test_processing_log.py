"""Every read of a referral's personal data is in the processing log, with who, when and why
(the processing activity and its legal ground) and the request's trace id; `wdv log` answers
"who saw this referral". The log itself holds no personal data."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.delivery.channels import Gone
from app.delivery.models import Abonnement
from app.models import Doorverwijzing, Uitgaand, Verwerking
from app.peers.outbound import VroegsignaleringChannel
from app.privacy.register import REGISTER, Verwerkingsactiviteit
from app.privacy.retention import erase
from app.referrals.lifecycle import Status
from tests.conftest import Parties
from tests.support.cli import lines, one_line_error, wdv_async
from tests.support.lifecycle import referral_id, report_status, send_referral
from tests.support.personal import PERSONAL, distinctive_referral


async def _log(sessionmaker: async_sessionmaker[AsyncSession], path: str) -> list[Verwerking]:
    async with sessionmaker() as session:
        entries = await session.scalars(
            select(Verwerking)
            .where(Verwerking.doorverwijzing_id == referral_id(path))
            .order_by(Verwerking.tijdstip, Verwerking.id)
        )
        return list(entries)


async def test_a_read_by_the_creditor_is_logged_with_who_why_and_the_trace(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    answer = await client.get(path, headers={**parties.water.auth, "X-Request-ID": "inzage-trace-1"})

    assert answer.status_code == 200
    read = (await _log(sessionmaker, path))[-1]
    assert (read.organisatie_id, read.actie, read.verwerkingsactiviteit, read.trace_id) == (
        parties.water.id,
        "lezen",
        "warme-doorverwijzing",
        "inzage-trace-1",
    )
    assert read.grondslag == REGISTER[Verwerkingsactiviteit.DOORVERWIJZEN].grondslag
    assert abs((datetime.now(UTC) - read.tijdstip).total_seconds()) < 60


async def test_a_read_by_the_uitvoerder_is_logged_for_debt_help(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    await client.get(path, headers=parties.amsterdam.auth)

    read = (await _log(sessionmaker, path))[-1]
    assert (read.organisatie_id, read.verwerkingsactiviteit) == (parties.amsterdam.id, "schuldhulpverlening")
    assert read.grondslag == "Wet gemeentelijke schuldhulpverlening"


@pytest.mark.parametrize("suffix", ["", "/tijdlijn", "/terugmelding"])
async def test_every_view_of_a_referral_is_logged(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession], suffix: str
) -> None:
    path = await send_referral(client, parties.water)
    before = len(await _log(sessionmaker, path))

    assert (await client.get(path + suffix, headers=parties.water.auth)).status_code == 200

    assert len(await _log(sessionmaker, path)) == before + 1


async def test_a_refused_look_at_someone_elses_referral_reads_and_logs_nothing(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    assert (await client.get(path, headers=parties.energie.auth)).status_code == 404

    assert [entry.organisatie_id for entry in await _log(sessionmaker, path)] == [parties.water.id]


async def _signal_prepared(sessionmaker: async_sessionmaker[AsyncSession], uitvoerder_id: uuid.UUID) -> None:
    """The Vroegsignalering channel builds the signal for the uitvoerder's 'ontvangen' event."""
    channel = VroegsignaleringChannel(
        httpx.AsyncClient(), Settings(vroegsignalering_url="https://vs.example/api/v1")
    )
    async with sessionmaker() as session, session.begin():
        event = await session.scalar(select(Uitgaand).where(Uitgaand.ontvanger_id == uitvoerder_id))
        assert event is not None
        await channel.prepare(session, event, Abonnement(), now=datetime.now(UTC))


async def test_passing_the_referral_on_to_vroegsignalering_is_logged(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)

    await _signal_prepared(sessionmaker, parties.amsterdam.id)

    sent = (await _log(sessionmaker, path))[-1]
    assert (sent.organisatie_id, sent.actie, sent.verwerkingsactiviteit) == (
        parties.amsterdam.id,
        "doorgeven aan vroegsignalering",
        "aflevering-aan-uitvoerder",
    )


async def test_an_erased_referral_is_not_passed_on_and_says_why(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    path = await send_referral(client, parties.water)
    await report_status(client, parties.amsterdam, path, Status.NIET_BEREIKT)
    async with sessionmaker() as session, session.begin():
        found = await session.get(Doorverwijzing, referral_id(path))
        assert found is not None
        await erase(session, found, now=datetime.now(UTC))

    with pytest.raises(Gone, match="personal data was erased"):
        await _signal_prepared(sessionmaker, parties.amsterdam.id)


async def test_the_log_holds_no_personal_data(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sent = distinctive_referral()
    path = (await client.post("/v1/doorverwijzingen", json=sent, headers=parties.water.auth)).headers[
        "location"
    ]
    await client.get(path, headers=parties.water.auth)
    await client.get(path, headers=parties.amsterdam.auth)

    async with sessionmaker() as session:
        rows = [repr(tuple(row)) for row in await session.execute(text("SELECT * FROM verwerkingen"))]

    assert len(rows) == 3
    assert [value for value in PERSONAL.values() if value in "\n".join(rows)] == []


# --- wdv log ------------------------------------------------------------------------------------


async def test_wdv_log_answers_who_saw_a_referral_when_and_why(
    client: httpx.AsyncClient,
    parties: Parties,
    sessionmaker: async_sessionmaker[AsyncSession],
    wdv_database: str,
) -> None:
    path = await send_referral(client, parties.water)
    await client.get(path, headers={**parties.amsterdam.auth, "X-Request-ID": "kb-inzage-42"})
    await report_status(client, parties.amsterdam, path, Status.NIET_BEREIKT)
    async with sessionmaker() as session, session.begin():
        found = await session.get(Doorverwijzing, referral_id(path))
        assert found is not None
        await erase(session, found, now=datetime.now(UTC))

    result = await wdv_async("log", str(referral_id(path)))

    assert result.exit_code == 0, result.output
    printed = [line.split("  ") for line in lines(result)]
    who_what = [[part.strip() for part in line if part.strip()][1:4] for line in printed[:-1]]
    assert who_what == [
        ["Waterbedrijf Voorbeeld", "ontvangen", "warme-doorverwijzing"],
        ["Kredietbank Amsterdam", "lezen", "schuldhulpverlening"],
        ["Kredietbank Amsterdam", "status melden", "schuldhulpverlening"],
        ["dienst", "wissen", "bewaartermijn"],
    ]
    assert "trace=kb-inzage-42" in lines(result)[1]
    assert lines(result)[-1] == "4 processing entries"


@pytest.mark.parametrize(
    ("argument", "complaint"),
    [
        ("not-an-id", "DOORVERWIJZING must be a referral id (a UUID), not 'not-an-id'"),
        ("7d1f0c4e-0000-4000-8000-000000000000", "no referral 7d1f0c4e-0000-4000-8000-000000000000"),
    ],
)
async def test_wdv_log_of_no_referral_says_so(
    parties: Parties, wdv_database: str, argument: str, complaint: str
) -> None:
    assert one_line_error(await wdv_async("log", argument)) == complaint
