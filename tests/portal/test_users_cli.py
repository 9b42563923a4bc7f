"""`wdv user …` and the sandbox's users: accounts made on the command line log in to the portal."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from app.accounts import service as accounts
from app.cli import cli
from app.config import get_settings
from app.organisations.models import Organisatie
from app.sandbox import SCHULDEISERS, UITVOERDERS, sandbox_email, set_up, set_up_users
from tests.conftest import Parties
from tests.test_accounts import LIMITS


@pytest.fixture
def wdv_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


async def wdv(*args: str, stdin: str | None = None) -> Result:
    """The command line runs its own event loop: in another thread."""
    return await asyncio.to_thread(lambda: CliRunner().invoke(cli, list(args), input=stdin))


async def logs_in(sessionmaker: async_sessionmaker[AsyncSession], email: str, password: str) -> bool:
    async with sessionmaker() as session, session.begin():
        outcome = await accounts.log_in(
            session, email=email, wachtwoord=password, adres="127.0.0.1", limits=LIMITS, now=datetime.now(UTC)
        )
    return isinstance(outcome, accounts.LoggedIn)


async def test_user_add_with_a_generated_password_prints_it_once_and_it_logs_in(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    result = await wdv(
        "user",
        "add",
        "ineke@water.example",
        "--naam",
        "Ineke",
        "--organisatie",
        "Waterbedrijf Voorbeeld",
        "--rol",
        "beheerder",
        "--genereer",
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ineke@water.example (beheerder) at Waterbedrijf Voorbeeld"
    password = lines[1].removeprefix("password (shown once): ")
    assert await logs_in(sessionmaker, "ineke@water.example", password)


async def test_user_add_asks_for_the_password_twice_and_checks_it(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    short = await wdv(
        "user", "add", "a@water.example", "--organisatie", "Waterbedrijf Voorbeeld", stdin="kort\nkort\n"
    )
    typed = "een lang genoeg wachtwoord"
    good = await wdv(
        "user",
        "add",
        "b@water.example",
        "--organisatie",
        "Waterbedrijf Voorbeeld",
        stdin=f"{typed}\n{typed}\n",
    )

    assert short.exit_code == 1
    assert "minstens 12 tekens" in short.stderr
    assert good.exit_code == 0, good.output
    assert typed not in good.stdout
    assert await logs_in(sessionmaker, "b@water.example", typed)


async def test_user_list_and_password_reset(
    wdv_database: str, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await wdv("user", "add", "c@water.example", "--organisatie", "Waterbedrijf Voorbeeld", "--genereer")
    await wdv("user", "add", "eva@programma.example", "--rol", "evaluator", "--genereer")

    listed = await wdv("user", "list")
    reset = await wdv("user", "password", "c@water.example", "--genereer")
    unknown = await wdv("user", "password", "niemand@water.example", "--genereer")

    assert listed.stdout.splitlines() == [
        f"{'c@water.example':40} {'medewerker':11} Waterbedrijf Voorbeeld",
        f"{'eva@programma.example':40} {'evaluator':11} (programmabureau)",
    ]
    assert reset.exit_code == 0
    assert await logs_in(sessionmaker, "c@water.example", reset.stdout.strip().rsplit(": ", 1)[1])
    assert unknown.exit_code == 1


async def test_user_add_for_an_unknown_organisation_fails_clearly(
    wdv_database: str, parties: Parties
) -> None:
    result = await wdv("user", "add", "d@water.example", "--organisatie", "Bestaat Niet", "--genereer")

    assert result.exit_code == 1
    assert "no organisation 'Bestaat Niet'" in result.stderr


async def test_the_sandbox_gets_one_administrator_per_organisation_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await set_up(session)
        first = await set_up_users(session)
    async with sessionmaker() as session, session.begin():
        second = await set_up_users(session)

    names = [s["naam"] for s in SCHULDEISERS] + [naam for naam, _ in UITVOERDERS]
    assert sorted(organisation.naam for organisation, _, _ in first) == sorted(names)
    assert second == []
    organisation, login, password = next(row for row in first if row[0].naam == "Waterbedrijf Voorbeeld")
    assert login == "waterbedrijf-voorbeeld@sandbox.example" == sandbox_email(organisation)
    assert await logs_in(sessionmaker, login, password)
    async with sessionmaker() as session:
        gebruiker = await accounts.find_user(session, login)
        assert gebruiker is not None
        roles = await accounts.memberships(session, gebruiker)
    assert [(role.rol, isinstance(org, Organisatie)) for role, org in roles] == [("beheerder", True)]
