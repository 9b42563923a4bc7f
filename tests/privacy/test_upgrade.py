"""A database from before encryption keeps working after `wdv db upgrade`: its plain personal data
reads as before, the new columns are filled from what was stored, and `wdv keys rotate-data-key`
then encrypts it. On SQLite and, when it answers, PostgreSQL."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT
from app.db import UTCDateTime, create_engine, create_sessionmaker
from app.models import Base, Doorverwijzing, Gebeurtenis, Verlengingsverzoek, Verwerking
from app.privacy import rotation
from tests.conftest import POSTGRES_URL, _admin, _postgres_reachable
from tests.support.personal import PERSONAL, distinctive_referral

BEFORE_ENCRYPTION = "0006"
NOTE = "Oude notitie over mevrouw Quixotevelt"
MOTIVATION = "Oude motivering: wacht op de bewindvoerder"
CLOSED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated only as far as the revision before encryption."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        _migrate(url, BEFORE_ENCRYPTION)
        yield url
        return
    if not _postgres_reachable():
        if os.environ.get("WDV_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    name = f"wdv_upgrade_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _migrate(url, BEFORE_ENCRYPTION)
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrate(url: str, revision: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, revision)


# the tables as they were at the revision before encryption (only the columns filled here)
ORGANISATIES = sa.table(
    "organisaties",
    sa.column("id", sa.Uuid),
    sa.column("naam", sa.String),
    sa.column("rol", sa.String),
    sa.column("oin", sa.String),
    sa.column("aangemaakt_op", UTCDateTime),
)
DOORVERWIJZINGEN = sa.table(
    "doorverwijzingen",
    *(sa.column(name, sa.Uuid) for name in ("id", "schuldeiser_id", "bericht_id", "uitvoerder_id")),
    *(sa.column(name, sa.String) for name in ("inhoud_hash", "referentie", "status", "gemeentecode")),
    sa.column("is_open", sa.Boolean),
    sa.column("crisissignaal", sa.Boolean),
    sa.column("ontvangen_op", UTCDateTime),
    sa.column("status_sinds", UTCDateTime),
    sa.column("incassostop_tot", sa.Date),
    sa.column("contact_uiterlijk", sa.Date),
    sa.column("laatste_volgnummer", sa.Integer),
    *(sa.column(name, sa.JSON) for name in ("routering", "bericht", "ontvangstbevestiging")),
)
GEBEURTENISSEN = sa.table(
    "gebeurtenissen",
    sa.column("id", sa.Uuid),
    sa.column("doorverwijzing_id", sa.Uuid),
    sa.column("volgnummer", sa.Integer),
    sa.column("tijdstip", UTCDateTime),
    sa.column("soort", sa.String),
    sa.column("actor_id", sa.Uuid),
    sa.column("gegevens", sa.JSON),
)
VERLENGINGSVERZOEKEN = sa.table(
    "verlengingsverzoeken",
    sa.column("id", sa.Uuid),
    sa.column("doorverwijzing_id", sa.Uuid),
    sa.column("gevraagd_tot", sa.Date),
    sa.column("motivering", sa.String),
    sa.column("gevraagd_op", UTCDateTime),
    sa.column("status", sa.String),
)
VERWERKINGEN = sa.table(
    "verwerkingen",
    sa.column("id", sa.Uuid),
    sa.column("tijdstip", UTCDateTime),
    sa.column("organisatie_id", sa.Uuid),
    sa.column("doorverwijzing_id", sa.Uuid),
    sa.column("actie", sa.String),
    sa.column("grondslag", sa.String),
)


def _referral(
    ident: uuid.UUID, creditor: uuid.UUID, uitvoerder: uuid.UUID, *, closed: bool
) -> dict[str, Any]:
    return {
        "id": ident,
        "schuldeiser_id": creditor,
        "bericht_id": uuid.uuid4(),
        "uitvoerder_id": uitvoerder,
        "inhoud_hash": "0" * 64,
        "referentie": f"OUD-{ident.hex[:6]}",
        "status": "afgesloten" if closed else "opgepakt",
        "gemeentecode": "0363",
        "is_open": not closed,
        "crisissignaal": False,
        "ontvangen_op": CLOSED_AT - timedelta(days=20),
        "status_sinds": CLOSED_AT,
        "incassostop_tot": date(2026, 3, 12),
        "contact_uiterlijk": date(2026, 2, 13),
        "laatste_volgnummer": 1,
        "routering": {"methode": "pc4", "sleutel": "1012", "meerderheid": False},
        "bericht": distinctive_referral(),
        "ontvangstbevestiging": {"gemeente": {"code": "0363", "naam": "Amsterdam"}},
    }


async def _stored_before_encryption(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """Two referrals (one closed) with a note, a motivation and log entries, all in plain text."""
    creditor, uitvoerder, closed, still_open = (uuid.uuid4() for _ in range(4))
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                ORGANISATIES.insert(),
                [
                    {
                        "id": creditor,
                        "naam": "Water",
                        "rol": "schuldeiser",
                        "oin": "0" * 20,
                        "aangemaakt_op": CLOSED_AT,
                    },
                    {
                        "id": uitvoerder,
                        "naam": "Kredietbank",
                        "rol": "uitvoerder",
                        "oin": None,
                        "aangemaakt_op": CLOSED_AT,
                    },
                ],
            )
            await connection.execute(
                DOORVERWIJZINGEN.insert(),
                [
                    _referral(closed, creditor, uitvoerder, closed=True),
                    _referral(still_open, creditor, uitvoerder, closed=False),
                ],
            )
            await connection.execute(
                GEBEURTENISSEN.insert().values(
                    id=uuid.uuid4(),
                    doorverwijzing_id=closed,
                    volgnummer=1,
                    tijdstip=CLOSED_AT,
                    soort="status-gewijzigd",
                    actor_id=uitvoerder,
                    gegevens={"interneToelichting": NOTE},
                )
            )
            await connection.execute(
                VERLENGINGSVERZOEKEN.insert().values(
                    id=uuid.uuid4(),
                    doorverwijzing_id=closed,
                    gevraagd_tot=date(2026, 4, 1),
                    motivering=MOTIVATION,
                    gevraagd_op=CLOSED_AT,
                    status="open",
                )
            )
            await connection.execute(
                VERWERKINGEN.insert(),
                [
                    {
                        "id": uuid.uuid4(),
                        "tijdstip": CLOSED_AT,
                        "organisatie_id": creditor,
                        "doorverwijzing_id": closed,
                        "actie": "ontvangen",
                        "grondslag": "oud",
                    },
                    {
                        "id": uuid.uuid4(),
                        "tijdstip": CLOSED_AT,
                        "organisatie_id": uitvoerder,
                        "doorverwijzing_id": closed,
                        "actie": "lezen",
                        "grondslag": "oud",
                    },
                ],
            )
    finally:
        await engine.dispose()
    return closed, still_open


async def _after_upgrade(url: str, closed: uuid.UUID, still_open: uuid.UUID) -> dict[str, Any]:
    engine = create_engine(url)
    sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            found = {ref.id: ref for ref in await session.scalars(sa.select(Doorverwijzing))}
            seen = {
                "bericht": found[closed].bericht,
                "filled": [
                    (ref.soort_vaste_last, ref.bedrag_klasse, ref.gesloten_op)
                    for ref in (found[closed], found[still_open])
                ],
                "note": await session.scalar(sa.select(Gebeurtenis.gegevens)),
                "motivering": await session.scalar(sa.select(Verlengingsverzoek.motivering)),
                "activities": sorted(
                    (entry.actie, entry.verwerkingsactiviteit)
                    for entry in await session.scalars(sa.select(Verwerking))
                ),
                "before": await rotation.census(session, Base.metadata),
            }
        await rotation.rotate(sessionmaker, Base.metadata)
        async with sessionmaker() as session:
            seen["after"] = await rotation.census(session, Base.metadata)
            seen["bericht after"] = await session.scalar(
                sa.select(Doorverwijzing.bericht).where(Doorverwijzing.id == closed)
            )
            seen["stored after"] = await session.scalar(
                sa.text("SELECT CAST(bericht AS TEXT) FROM doorverwijzingen WHERE id = :id").bindparams(
                    sa.bindparam("id", closed, type_=sa.Uuid)
                )
            )
    finally:
        await engine.dispose()
    return seen


def test_a_plain_database_keeps_working_after_the_upgrade_and_is_then_encrypted(old_database: str) -> None:
    closed, still_open = asyncio.run(_stored_before_encryption(old_database))

    _migrate(old_database, "head")
    seen = asyncio.run(_after_upgrade(old_database, closed, still_open))

    assert seen["bericht"]["inwoner"]["burgerservicenummer"] == PERSONAL["bsn"]
    assert seen["note"] == {"interneToelichting": NOTE}
    assert seen["motivering"] == MOTIVATION
    assert seen["filled"] == [("Water", "0-499", CLOSED_AT.date()), ("Water", "0-499", None)]
    assert seen["activities"] == [("lezen", "schuldhulpverlening"), ("ontvangen", "warme-doorverwijzing")]
    assert seen["before"]["doorverwijzingen.bericht"] == {rotation.PLAIN: 2}
    assert {name: set(counts) for name, counts in seen["after"].items()} == {
        "doorverwijzingen.bericht": {"test"},
        "doorverwijzingen.actueel_adres": set(),
        "gebeurtenissen.gegevens": {"test"},
        "verlengingsverzoeken.motivering": {"test"},
    }
    assert seen["bericht after"] == seen["bericht"]
    assert PERSONAL["bsn"] not in str(seen["stored after"])
