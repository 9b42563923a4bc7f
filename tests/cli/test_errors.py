"""Ordinary mistakes on the command line: one clear line on stderr, a non-zero exit, no traceback."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cli.options import KanaalKeuze, RolKeuze, signaalpartner_soorten
from app.organisations import service as organisations
from app.organisations.models import Kanaal, Organisatie, Rol
from tests.conftest import Parties
from tests.support.cli import one_line_error, wdv, wdv_async, wdv_process

WATER_OIN = "00000001234567890000"  # Waterbedrijf Voorbeeld in the parties fixture
ENERGIE_KVK = "12345678"  # Energie Voorbeeld


async def organisation_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Organisatie)) or 0


# --- org add ---------------------------------------------------------------------------------------


async def test_a_duplicate_oin_is_refused_naming_who_has_it(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await organisation_count(sessionmaker)

    result = await wdv_async(
        "org", "add", "--naam", "Ander Water", "--rol", "schuldeiser", "--oin", WATER_OIN
    )

    assert (
        one_line_error(result) == f"OIN {WATER_OIN} is taken by Waterbedrijf Voorbeeld ({parties.water.id})"
    )
    assert await organisation_count(sessionmaker) == before


async def test_a_duplicate_kvk_nummer_is_refused_naming_who_has_it(
    wdv_database: str, parties: Parties
) -> None:
    result = await wdv_async(
        "org", "add", "--naam", "Ander Energie", "--rol", "schuldeiser", "--kvk", ENERGIE_KVK
    )

    assert (
        one_line_error(result)
        == f"KvK-nummer {ENERGIE_KVK} is taken by Energie Voorbeeld ({parties.energie.id})"
    )


@pytest.mark.parametrize(
    "naam", ["Kredietbank Amsterdam", "kredietbank amsterdam", " Kredietbank Amsterdam "]
)
async def test_a_name_that_is_taken_in_any_case_is_refused(
    wdv_database: str, parties: Parties, naam: str
) -> None:
    result = await wdv_async("org", "add", "--naam", naam, "--rol", "uitvoerder")

    assert one_line_error(result) == (
        f"the name {naam.strip()!r} is taken by Kredietbank Amsterdam ({parties.amsterdam.id})"
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--oin", "1234", "--oin must be 20 digits (an Organisatie-identificatienummer), not '1234'"),
        (
            "--oin",
            "0000000123456789000X",
            "--oin must be 20 digits (an Organisatie-identificatienummer), not '0000000123456789000X'",
        ),
        ("--kvk", "1234567", "--kvk must be 8 digits (a KvK-nummer), not '1234567'"),
        ("--kvk", "KVK12345", "--kvk must be 8 digits (a KvK-nummer), not 'KVK12345'"),
    ],
    ids=["oin-short", "oin-letter", "kvk-short", "kvk-letters"],
)
def test_an_oin_or_kvk_nummer_of_the_wrong_form_is_refused(
    wdv_database: str, option: str, value: str, message: str
) -> None:
    result = wdv("org", "add", "--naam", "Vormfout", "--rol", "schuldeiser", option, value)

    assert one_line_error(result) == message


def test_an_unknown_soort_is_refused_listing_the_kinds(wdv_database: str) -> None:
    result = wdv(
        "org", "add", "--naam", "Telecom X", "--rol", "schuldeiser", "--kvk", "55555555", "--soort", "Telecom"
    )

    assert (
        one_line_error(result)
        == f"--soort must be one of {', '.join(signaalpartner_soorten())}; not 'Telecom'"
    )


async def test_a_known_soort_is_stored_as_the_specification_spells_it(
    wdv_database: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv_async(
        "org",
        "add",
        "--naam",
        "Zorg X",
        "--rol",
        "schuldeiser",
        "--kvk",
        "55555556",
        "--soort",
        "cak eigen bijdrage",
    )

    assert result.exit_code == 0, result.output
    async with sessionmaker() as session:
        stored = await session.scalar(select(Organisatie).where(Organisatie.naam == "Zorg X"))
    assert stored is not None
    assert stored.signaalpartner == "CAK Eigen bijdrage"


def test_a_soort_for_an_uitvoerder_is_refused(wdv_database: str) -> None:
    result = wdv("org", "add", "--naam", "Kredietbank Y", "--rol", "uitvoerder", "--soort", "Water")

    assert one_line_error(result) == "--soort is for a schuldeiser (the kind of creditor)"


def test_the_kinds_are_those_of_the_specification() -> None:
    """DDAS EnumSignaalpartner, as DESIGN.md's glossary lists it."""
    assert set(signaalpartner_soorten()) == {
        "Water",
        "Energie",
        "Huur",
        "Hypotheek",
        "Zorg",
        "CAK Zorgverzekeringen",
        "CAK Eigen bijdrage",
        "DUO",
        "Belastingdienst",
        "Dienst Toeslagen",
        "Overige",
    }


def test_an_unknown_rol_is_one_line_naming_the_option(wdv_database: str) -> None:
    result = wdv("org", "add", "--naam", "X", "--rol", "baas")

    assert one_line_error(result) == (
        "wdv org add: Invalid value for '--rol': 'baas' is not one of 'schuldeiser', 'uitvoerder'."
    )
    assert result.exit_code == 2


def test_a_missing_option_is_one_line_naming_it(wdv_database: str) -> None:
    result = wdv("org", "add", "--rol", "uitvoerder")

    assert one_line_error(result) == "wdv org add: Missing option '--naam'."


def test_the_command_line_choices_are_the_models_values() -> None:
    """The command line does not import the models at start-up, so it names the values itself."""
    assert [r.value for r in RolKeuze] == [r.value for r in Rol]
    assert [k.value for k in KanaalKeuze] == [k.value for k in Kanaal]


# --- names that identify an organisation -------------------------------------------------------------


async def test_a_name_shared_by_older_organisations_asks_for_the_id(
    wdv_database: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():  # as the command line allowed before
        first = await organisations.add_organisatie(session, naam="Kredietbank Dubbel", rol=Rol.UITVOERDER)
        second = await organisations.add_organisatie(session, naam="Kredietbank Dubbel", rol=Rol.UITVOERDER)

    ambiguous = await wdv_async("key", "create", "Kredietbank Dubbel")
    by_id = await wdv_async("key", "create", str(second.id))

    ids = sorted([first.id, second.id])
    assert one_line_error(ambiguous) == (
        f"'Kredietbank Dubbel' names 2 organisations: give the id of one of "
        f"{ids[0]} (uitvoerder), {ids[1]} (uitvoerder)"
    )
    assert "wdv_" not in ambiguous.stdout
    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout.startswith("wdv_")


# --- org channel -----------------------------------------------------------------------------------


async def test_a_channel_address_in_use_is_refused_naming_who_uses_it(
    wdv_database: str, parties: Parties
) -> None:
    first = await wdv_async(
        "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )
    second = await wdv_async(
        "org", "channel", "Kredietbank Rivierenland", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )

    assert first.exit_code == 0, first.output
    assert one_line_error(second) == (
        f"--adres GM0363 is already the channel address of Kredietbank Amsterdam ({parties.amsterdam.id})"
    )


async def test_the_same_address_again_for_the_same_organisation_is_fine(
    wdv_database: str, parties: Parties
) -> None:
    await wdv_async(
        "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )

    again = await wdv_async(
        "org", "channel", "Kredietbank Amsterdam", "--kanaal", "vroegsignalering", "--adres", "GM0363"
    )

    assert again.exit_code == 0, again.output


def test_a_channel_the_role_cannot_use_is_one_line(wdv_database: str, parties: Parties) -> None:
    result = wdv("org", "channel", "Waterbedrijf Voorbeeld", "--kanaal", "vroegsignalering", "--adres", "X")

    assert one_line_error(result) == "a schuldeiser can use api, schuldenknooppunt"


# --- coverage set: dates name their option ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vanaf", "1-1-2025"], "--vanaf must be a date as YYYY-MM-DD, not '1-1-2025'"),
        (["--tot", "2025-02-30"], "--tot must be a date as YYYY-MM-DD, not '2025-02-30'"),
        (["--vanaf", "2025-03-01", "--tot", "2025-02-01"], "--tot 2025-02-01 lies before --vanaf 2025-03-01"),
    ],
    ids=["vanaf", "tot", "tot-before-vanaf"],
)
def test_a_bad_date_is_refused_naming_the_option(
    wdv_database: str, parties: Parties, args: list[str], message: str
) -> None:
    result = wdv("coverage", "set", "Kredietbank Amsterdam", "0363", *args)

    assert one_line_error(result) == message


def test_a_gemeentecode_that_is_not_one_is_refused(wdv_database: str, parties: Parties) -> None:
    result = wdv("coverage", "set", "Kredietbank Amsterdam", "Amsterdam")

    assert one_line_error(result) == "GEMEENTECODE must be a CBS code such as 0363 or GM0363, not 'Amsterdam'"


# --- the database -------------------------------------------------------------------------------------


def test_an_unknown_revision_in_db_upgrade_is_one_line(wdv_database: str) -> None:
    """Run as its own process: the operator's view, and alembic configures logging for itself."""
    result = wdv_process("db", "upgrade", "--revision", "0099_nonexistent", database_url=wdv_database)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "--revision 0099_nonexistent: Can't locate revision identified by '0099_nonexistent'"
    )


@pytest.mark.parametrize(
    "args", [["org", "list"], ["routing", "status"], ["key", "create", "X"], ["deliveries", "failed"]]
)
def test_every_command_on_a_fresh_install_says_to_run_db_upgrade(
    environment: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    database = tmp_path / "wdv.db"
    database.touch()  # an empty file, as an interrupted first start leaves it
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    result = wdv(*args)

    assert (
        one_line_error(result)
        == "the database has no tables for this version yet: run `wdv db upgrade` first"
    )


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(
    environment: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://wdv:geheim@127.0.0.1:1/wdv")

    result = wdv("org", "list")

    message = one_line_error(result)
    assert message.startswith("cannot reach the database (postgresql+asyncpg://wdv:***@127.0.0.1:1/wdv): ")
    assert "geheim" not in result.output


def test_the_routing_import_help_lists_the_formats_it_accepts(environment: pytest.MonkeyPatch) -> None:
    result = wdv("routing", "import", "--help")

    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    assert "PC6;Huisnummer;Buurt…;Wijk…;Gemeente…" in help_text
    assert "header pc4,gemeentecode and optionally adressen" in help_text
    assert "header pc6,gemeentecode and optionally adressen" in help_text


def test_a_routing_file_with_an_unknown_header_points_to_the_formats(
    wdv_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "adressen.csv"
    path.write_text("Postcode;Nummer;Gemeente\n1012LG;1;GM0363\n", encoding="utf-8")

    result = wdv("routing", "import", str(path), "--peildatum", "2025-08-01")

    message = one_line_error(result)
    assert "unknown header" in message
    assert message.endswith("(the accepted formats: wdv routing import --help)")


def test_a_new_organisation_is_added_when_nothing_conflicts(wdv_database: str, parties: Parties) -> None:
    result = wdv(
        "org",
        "add",
        "--naam",
        "Nieuw Water",
        "--rol",
        "schuldeiser",
        "--oin",
        "0" * 19 + "7",
        "--soort",
        "Water",
    )

    assert result.exit_code == 0, result.output
    added_id, rol, naam = result.stdout.strip().split(" ", 2)
    assert uuid.UUID(added_id)
    assert (rol, naam) == ("schuldeiser", "Nieuw Water")


# --- the worker -------------------------------------------------------------------------------------


def test_the_worker_does_not_start_on_a_fresh_install(
    environment: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "wdv.db"
    database.touch()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    result = wdv("worker")

    assert (
        one_line_error(result)
        == "the database has no tables for this version yet: run `wdv db upgrade` first"
    )


def test_the_worker_does_not_start_on_a_database_behind_this_version(
    environment: pytest.MonkeyPatch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'wdv.db'}"
    upgraded = wdv_process("db", "upgrade", "--revision", "0003", database_url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    monkeypatch.setenv("DATABASE_URL", url)

    result = wdv("worker", "--once")

    message = one_line_error(result)
    assert message.startswith("the database is at revision 0003, this version needs ")
    assert message.endswith(": run `wdv db upgrade` first")


def test_the_worker_runs_on_a_migrated_database(wdv_database: str) -> None:
    result = wdv("worker", "--once")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("timers fired: ")
