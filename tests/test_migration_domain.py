"""Migration 0007 brings referrals stored before it in line with the domain rules, from their
history: upgrading a database the service filled gives the same clocks, milestones, closing
reasons and payment recovery reports the service stored while it ran."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT
from app.db import create_engine, create_sessionmaker
from app.messages.specs import MessageKind
from app.models import Betalingsherstelmelding, Doorverwijzing
from app.organisations import service as organisations
from app.organisations.models import Rol
from app.referrals.lifecycle import Status
from app.routing.service import load_reference_data
from tests.conftest import POSTGRES_URL, Party, _admin, _postgres_reachable
from tests.support.factories import applied, received, reported, withdrawn
from tests.support.lifecycle import GEEN_INWONER, contactpoging, message

COLUMNS = (
    "klokken_vanaf",
    "opgepakt_op",
    "eerste_contactpoging_op",
    "betalingsherstel_op",
    "gesloten_op",
    "sluitreden",
)
TIEL = {"huisnummer": 12, "postcode": "4062 AB"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def alembic(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (it is migrated down and up), on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'wdv.db'}"
        command.upgrade(alembic(url), "head")
        yield url
        return
    if not _postgres_reachable():
        if os.environ.get("WDV_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"wdv_migration_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    command.upgrade(alembic(url), "head")
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _parties(maker: async_sessionmaker[AsyncSession]) -> tuple[Party, Party, Party]:
    async with maker() as session, session.begin():
        await load_reference_data(session)
        water = await organisations.add_organisatie(
            session,
            naam="Waterbedrijf Voorbeeld",
            rol=Rol.SCHULDEISER,
            oin="00000001234567890000",
            signaalpartner="Water",
        )
        found = []
        for naam, codes in (
            ("Kredietbank Amsterdam", ("0363",)),
            ("Kredietbank Rivierenland", ("0281", "1960")),
        ):
            uitvoerder = await organisations.add_organisatie(session, naam=naam, rol=Rol.UITVOERDER)
            for code in codes:
                await organisations.set_coverage(
                    session, uitvoerder=uitvoerder, gemeentecode=code, geldig_vanaf=date(2024, 1, 1)
                )
            found.append(Party(uitvoerder.id, naam, ""))
        return Party(water.id, water.naam, ""), found[0], found[1]


async def _stored(maker: async_sessionmaker[AsyncSession]) -> dict[uuid.UUID, dict[str, Any]]:
    async with maker() as session:
        referrals = {
            d.id: {c: getattr(d, c) for c in COLUMNS} for d in await session.scalars(select(Doorverwijzing))
        }
        for report in await session.scalars(select(Betalingsherstelmelding)):
            referrals[report.doorverwijzing_id].setdefault("reports", set()).add(
                (report.soort, report.datum, report.gemeld_op)
            )
        return referrals


async def test_upgrading_a_filled_database_gives_what_the_service_stored(empty_database: str) -> None:
    engine = create_engine(empty_database)
    maker = create_sessionmaker(engine)
    water, amsterdam, _ = await _parties(maker)
    # contact by an administrative step, then a phone call; payments resumed, stopped, cleared
    one = await received(maker, water, on=at(date(2025, 3, 3), 9), referentie="WV-1")
    await reported(
        maker, amsterdam, one, Status.OPGEPAKT, on=at(date(2025, 3, 4)), datumOpgepakt="2025-03-03"
    )
    for soort, day in (("Administratief", date(2025, 3, 4)), ("Telefoon", date(2025, 3, 5))):
        await applied(
            maker,
            amsterdam,
            one,
            MessageKind.STATUSMELDING,
            contactpoging(bereikt=False, datum=day, soort=soort),
            on=at(day),
        )
    for soort, day in (
        ("betalingen-hervat", date(2025, 3, 20)),
        ("betalingen-niet-hervat", date(2025, 4, 20)),
        ("achterstand-ingelopen", date(2025, 5, 1)),
    ):
        await applied(
            maker,
            water,
            one,
            MessageKind.BETALINGSHERSTEL,
            message(soort=soort, datum=day.isoformat()),
            on=at(day),
        )
    # re-routed to Tiel, then closed as already known
    two = await received(maker, water, on=at(date(2025, 3, 3), 9), referentie="WV-2")
    await reported(maker, amsterdam, two, Status.CONTACT_GELEGD, on=at(date(2025, 3, 4)))
    await reported(
        maker,
        amsterdam,
        two,
        Status.NIET_OPGEPAKT,
        on=at(date(2025, 3, 6), 14),
        reden=GEEN_INWONER,
        nieuwAdres=TIEL,
    )
    # withdrawn before the deadline
    three = await received(maker, water, on=at(date(2025, 3, 3), 9), referentie="WV-3")
    await withdrawn(maker, water, three, on=at(date(2025, 3, 5)))
    # reached by an unknown kind of attempt, then closed with an end result
    four = await received(maker, water, on=at(date(2025, 3, 3), 9), referentie="WV-4")
    await applied(
        maker,
        amsterdam,
        four,
        MessageKind.STATUSMELDING,
        contactpoging(bereikt=True, datum=date(2025, 3, 4), soort="Onbekend"),
        on=at(date(2025, 3, 4)),
    )
    await reported(
        maker,
        amsterdam,
        four,
        Status.AFGESLOTEN,
        on=at(date(2025, 3, 12)),
        eindresultaat="Geen reactie na eerder contact",
    )
    live = await _stored(maker)
    await engine.dispose()

    # alembic runs its own event loop
    await asyncio.to_thread(command.downgrade, alembic(empty_database), "0007")
    await asyncio.to_thread(command.upgrade, alembic(empty_database), "head")

    engine = create_engine(empty_database)
    migrated = await _stored(create_sessionmaker(engine))
    await engine.dispose()
    assert migrated == live
    assert {k: live[uuid.UUID(three.rsplit("/", 1)[-1])][k] for k in ("gesloten_op", "sluitreden")} == {
        "gesloten_op": date(2025, 3, 5),
        "sluitreden": "betaald",
    }
