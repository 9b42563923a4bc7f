"""The operator's command line `wdv`: clocks, bulk routing, organisations, keys, coverage, tables."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import Result

from app.routing.models import Routeringsregel, Routeringstabel
from app.routing.service import BUNDLED_VERSIE
from tests.conftest import Parties
from tests.support.cli import (
    lines,
    one_line_error,
    wdv,
    wdv_async,
)

CBS_HEADER = "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024"


# --- termijnen --------------------------------------------------------------------------------


def test_termijnen_for_a_date_prints_both_clocks(environment: pytest.MonkeyPatch) -> None:
    result = wdv("termijnen", "2026-04-02")  # Thursday before Goede Vrijdag and 2e Paasdag

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "ontvangen:        2026-04-02",
        "incassostopTot:   2026-05-02",
        "contactUiterlijk: 2026-04-09",
    ]


def test_termijnen_for_a_utc_moment_uses_the_amsterdam_day(environment: pytest.MonkeyPatch) -> None:
    result = wdv("termijnen", "2026-04-30T23:30:00+00:00")  # 01:30 on 1 May in Amsterdam

    assert result.exit_code == 0, result.output
    assert "ontvangen:        2026-05-01" in lines(result)
    assert "contactUiterlijk: 2026-05-07" in lines(result)  # 4 May, 5 May is a holiday, 6, 7 May


def test_termijnen_for_a_moment_without_offset_takes_it_as_amsterdam_time(
    environment: pytest.MonkeyPatch,
) -> None:
    result = wdv("termijnen", "2026-04-30T23:30:00")

    assert result.exit_code == 0, result.output
    assert "ontvangen:        2026-04-30" in lines(result)


def test_termijnen_names_the_decreed_day_that_moved_the_deadline(environment: pytest.MonkeyPatch) -> None:
    result = wdv("termijnen", "2026-05-13")  # the day before Ascension Day 2026

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "ontvangen:        2026-05-13",
        "incassostopTot:   2026-06-12",
        "contactUiterlijk: 2026-05-20",
        "gelijkgesteld:    2026-05-15 (Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, "
        "7 mei 2027, 28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag)",
    ]
    assert result.stderr == ""


def test_termijnen_past_the_last_decree_computes_and_says_no_decree_is_on_file(
    environment: pytest.MonkeyPatch,
) -> None:
    result = wdv("termijnen", "2029-05-09")  # Ascension Day 2029 is Thursday 10 May

    assert result.exit_code == 0, result.output
    assert "contactUiterlijk: 2029-05-15" in lines(result)
    assert result.stderr.startswith(
        "note: no decree under art. 3(3) Algemene termijnenwet is on file for 2029"
    )
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("moment", ["2026-02-30", "morgen", "2026-04-30T25:00:00+00:00"])
def test_termijnen_refuses_what_is_not_a_date(environment: pytest.MonkeyPatch, moment: str) -> None:
    result = wdv("termijnen", moment)

    assert result.exit_code != 0
    assert "not a date or date-time" in result.stderr
    assert result.stdout == ""


# --- organisations, keys and coverage ------------------------------------------------------------


async def test_a_key_created_on_the_command_line_authenticates_against_the_api(
    wdv_database: str, client: httpx.AsyncClient
) -> None:
    added = await wdv_async("org", "add", "--naam", "Kredietbank Test", "--rol", "uitvoerder")
    created = await wdv_async("key", "create", "Kredietbank Test")

    assert added.exit_code == 0, added.output
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("wdv_")
    response = await client.get(
        f"/v1/doorverwijzingen/{uuid.uuid4()}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 404


async def test_coverage_set_on_the_command_line_routes_the_gemeente_to_that_uitvoerder(
    wdv_database: str, client: httpx.AsyncClient, parties: Parties
) -> None:
    await wdv_async("org", "add", "--naam", "Schuldhulp Rotterdam Test", "--rol", "uitvoerder")
    result = await wdv_async("coverage", "set", "Schuldhulp Rotterdam Test", "0599", "--vanaf", "2024-01-01")

    assert result.exit_code == 0, result.output
    assert "serves 0599 from 2024-01-01" in result.stdout
    response = await client.post(
        "/v1/routering", json={"postcode": "3011AA", "huisnummer": 5}, headers=parties.water.auth
    )
    assert response.status_code == 200
    assert response.json()["uitvoerder"]["naam"] == "Schuldhulp Rotterdam Test"


def test_a_schuldeiser_without_oin_or_kvk_is_refused(wdv_database: str) -> None:
    result = wdv("org", "add", "--naam", "Zonder Nummer", "--rol", "schuldeiser")

    assert result.exit_code != 0
    assert "OIN or a KvK-nummer" in result.stderr


def test_a_key_for_an_unknown_organisation_is_refused(wdv_database: str) -> None:
    result = wdv("key", "create", "Bestaat Niet")

    assert result.exit_code != 0
    assert "no organisation 'Bestaat Niet'" in result.stderr
    assert "wdv_" not in result.stdout


def test_coverage_for_a_schuldeiser_is_refused(wdv_database: str) -> None:
    wdv("org", "add", "--naam", "Water Test", "--rol", "schuldeiser", "--oin", "00000009999999990000")

    result = wdv("coverage", "set", "Water Test", "0599")

    assert result.exit_code != 0
    assert "not an uitvoerder" in result.stderr


# --- routing tables ------------------------------------------------------------------------------


@pytest.fixture
async def restored_routing_table(
    wdv_database: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    """Imports change the shared database's active table: make the bundled one active again."""
    try:
        yield
    finally:
        async with sessionmaker() as session, session.begin():
            others = select(Routeringstabel.id).where(Routeringstabel.versie != BUNDLED_VERSIE)
            await session.execute(delete(Routeringsregel).where(Routeringsregel.tabel_id.in_(others)))
            await session.execute(delete(Routeringstabel).where(Routeringstabel.versie != BUNDLED_VERSIE))
            await session.execute(
                update(Routeringstabel)
                .where(Routeringstabel.versie == BUNDLED_VERSIE)
                .values(status="actief")
            )


def status_of(result: Result) -> dict[str, str]:
    """`routing status` lines as {versie: status}."""
    return {line.split()[1]: line.split()[0] for line in lines(result)}


def cbs_file(directory: Path, *rows: str, header: str = CBS_HEADER) -> Path:
    path = directory / "pcnummer_2025.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def test_a_file_covering_far_fewer_areas_is_refused_without_force(
    restored_routing_table: None, tmp_path: Path
) -> None:
    path = cbs_file(tmp_path, "1012LG;1;BU03630000;WK036300;GM0363")

    imported = await wdv_async("routing", "import", str(path), "--peildatum", "2025-08-01")
    status = await wdv_async("routing", "status")

    assert imported.exit_code != 0
    assert "--force" in imported.output
    assert status_of(status) == {BUNDLED_VERSIE: "actief"}


async def test_a_file_naming_an_unknown_gemeente_is_refused(
    restored_routing_table: None, tmp_path: Path
) -> None:
    path = cbs_file(tmp_path, "1012LG;1;BU03630000;WK036300;GM9998")

    imported = await wdv_async("routing", "import", str(path), "--peildatum", "2025-08-01", "--force")

    assert imported.exit_code != 0
    assert "9998" in imported.output


async def test_an_imported_cbs_file_becomes_the_active_routing_table(
    restored_routing_table: None, client: httpx.AsyncClient, parties: Parties, tmp_path: Path
) -> None:
    path = cbs_file(
        tmp_path,
        "1012LG;1;BU03630000;WK036300;GM0363",
        "1012LG;2;BU03630000;WK036300;GM0363",
        "3011AA;5;BU05990000;WK059900;GM0599",
    )

    imported = await wdv_async("routing", "import", str(path), "--peildatum", "2025-08-01", "--force")
    status = await wdv_async("routing", "status")

    assert imported.exit_code == 0, imported.output
    assert "peildatum 2025-08-01" in imported.stdout
    versie = "cbs-2025-08-01-pcnummer_2025"
    assert status_of(status) == {BUNDLED_VERSIE: "vervangen", versie: "actief"}
    known = await client.post(
        "/v1/routering", json={"postcode": "1012 LG", "huisnummer": 1}, headers=parties.water.auth
    )
    assert known.json()["routering"]["tabelversie"] == versie
    assert known.json()["routering"]["peildatum"] == "2025-08-01"
    no_longer_known = await client.post(
        "/v1/routering", json={"postcode": "4062AB", "huisnummer": 1}, headers=parties.water.auth
    )
    assert no_longer_known.status_code == 422


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        ("Postcode;Nummer;Gemeente", ["1012LG;1;GM0363"]),
        (CBS_HEADER, ["1012LG;een;BU03630000;WK036300;GM0363"]),
        (CBS_HEADER, ["1012LG;1;BU03630000;WK036300;Amsterdam"]),
        (CBS_HEADER, []),
    ],
    ids=["bad-header", "bad-huisnummer", "bad-gemeentecode", "no-rows"],
)
async def test_a_file_that_cannot_be_read_is_refused_and_the_active_table_stays(
    restored_routing_table: None,
    client: httpx.AsyncClient,
    parties: Parties,
    tmp_path: Path,
    header: str,
    rows: list[str],
) -> None:
    path = cbs_file(tmp_path, *rows, header=header)

    imported = await wdv_async("routing", "import", str(path), "--peildatum", "2025-08-01")
    status = await wdv_async("routing", "status")

    assert imported.exit_code != 0
    assert imported.stderr.strip()
    assert status_of(status) == {BUNDLED_VERSIE: "actief"}
    still_routed = await client.post(
        "/v1/routering", json={"postcode": "4062AB", "huisnummer": 1}, headers=parties.water.auth
    )
    assert still_routed.json()["routering"]["tabelversie"] == BUNDLED_VERSIE


def test_an_import_with_a_bad_peildatum_is_refused(wdv_database: str, tmp_path: Path) -> None:
    path = cbs_file(tmp_path, "1012LG;1;BU03630000;WK036300;GM0363")

    result = wdv("routing", "import", str(path), "--peildatum", "1 augustus")

    assert one_line_error(result) == "--peildatum must be a date as YYYY-MM-DD, not '1 augustus'"
    assert status_of(wdv("routing", "status")) == {BUNDLED_VERSIE: "actief"}


def test_a_file_that_is_not_utf8_is_refused_with_a_message(
    restored_routing_table: None, tmp_path: Path
) -> None:
    path = tmp_path / "pcnummer_cp1252.csv"
    path.write_bytes(f"{CBS_HEADER}\n1012LG;1;Buurt één;WK036300;GM0363\n".encode("cp1252"))

    result = wdv("routing", "import", str(path), "--peildatum", "2025-08-01")

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.strip()
    assert status_of(wdv("routing", "status")) == {BUNDLED_VERSIE: "actief"}
