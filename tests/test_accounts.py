"""Accounts, sessions and login throttling as services: the rules behind the portal's login."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import passwords, sessions
from app.accounts import service as accounts
from app.accounts.models import Gebruiker, Inlogpoging, Lidmaatschap, Rol, Sessie
from app.accounts.throttle import Limits, locked_until
from app.organisations.models import Organisatie
from tests.conftest import Parties

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LIMITS = accounts.LoginLimits(
    account=Limits(3, timedelta(minutes=15), timedelta(minutes=15)),
    address=Limits(5, timedelta(minutes=15), timedelta(minutes=15)),
)
LIFETIMES = sessions.Lifetimes(
    absolute=timedelta(hours=10), idle=timedelta(minutes=30), anonymous=timedelta(hours=1)
)
PASSWORD = "een lang wachtwoord"


# --- pure rules --------------------------------------------------------------------------------


def test_fewer_failures_than_the_limit_do_not_lock() -> None:
    failures = [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]

    assert locked_until(failures, Limits(3, timedelta(minutes=15), timedelta(minutes=15)), now=NOW) is None


def test_the_limit_within_the_window_locks_until_the_lockout_after_the_last_failure() -> None:
    failures = [NOW - timedelta(minutes=3), NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]

    until = locked_until(failures, Limits(3, timedelta(minutes=15), timedelta(minutes=15)), now=NOW)

    assert until == NOW + timedelta(minutes=14)


def test_failures_spread_wider_than_the_window_do_not_lock() -> None:
    failures = [NOW - timedelta(minutes=40), NOW - timedelta(minutes=20), NOW - timedelta(minutes=1)]

    assert locked_until(failures, Limits(3, timedelta(minutes=15), timedelta(minutes=15)), now=NOW) is None


def test_a_lock_ends_after_the_lockout() -> None:
    failures = [NOW - timedelta(minutes=33), NOW - timedelta(minutes=32), NOW - timedelta(minutes=31)]

    assert locked_until(failures, Limits(3, timedelta(minutes=15), timedelta(minutes=15)), now=NOW) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("kort", "minstens 12 tekens"),
        (" begint met een spatie", "spatie"),
        ("x" * 201, "hoogstens 200 tekens"),
    ],
)
def test_a_new_password_must_be_long_enough_and_without_outer_spaces(password: str, problem: str) -> None:
    reason = passwords.problem(password)

    assert reason is not None
    assert problem in reason


def test_a_generated_password_is_acceptable_and_different_every_time() -> None:
    generated = {passwords.generate() for _ in range(20)}

    assert len(generated) == 20
    assert all(passwords.problem(p) is None for p in generated)
    assert all(not set(p) & set("01lio") for p in generated)


def test_a_password_is_kept_as_an_argon2id_hash_that_only_the_password_verifies() -> None:
    hashed = passwords.hash_password(PASSWORD)

    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert passwords.verify(hashed, PASSWORD)
    assert not passwords.verify(hashed, PASSWORD + "!")
    assert not passwords.verify("geen hash", PASSWORD)


# --- accounts ----------------------------------------------------------------------------------


async def _organisation(sessionmaker: async_sessionmaker[AsyncSession], party_id: object) -> Organisatie:
    async with sessionmaker() as session:
        found = await session.get(Organisatie, party_id)
        assert found is not None
        return found


async def _add(
    sessionmaker: async_sessionmaker[AsyncSession],
    organisatie: Organisatie | None,
    *,
    email: str = "Anna@Water.example",
    rol: Rol = Rol.MEDEWERKER,
) -> accounts.Added:
    async with sessionmaker() as session, session.begin():
        return await accounts.add_user(
            session, email=email, naam="Anna", wachtwoord=PASSWORD, organisatie=organisatie, rol=rol, now=NOW
        )


async def test_a_new_person_gets_an_account_with_a_hashed_password_and_a_role(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)

    added = await _add(sessionmaker, water)

    assert added.new_account
    async with sessionmaker() as session:
        gebruiker = await session.get(Gebruiker, added.gebruiker.id)
        assert gebruiker is not None
        assert gebruiker.email == "anna@water.example"
        assert gebruiker.wachtwoord_hash.startswith("$argon2id$")
        roles = await accounts.memberships(session, gebruiker)
    assert [(role.rol, organisatie.naam if organisatie else None) for role, organisatie in roles] == [
        ("medewerker", "Waterbedrijf Voorbeeld")
    ]


async def test_an_existing_account_gets_another_organisation_and_keeps_its_password(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)
    energie = await _organisation(sessionmaker, parties.energie.id)
    first = await _add(sessionmaker, water)

    second = await _add(sessionmaker, energie, email="anna@water.example", rol=Rol.BEHEERDER)

    assert not second.new_account
    assert second.gebruiker.id == first.gebruiker.id
    assert second.gebruiker.wachtwoord_hash == first.gebruiker.wachtwoord_hash
    async with sessionmaker() as session:
        roles = await accounts.memberships(session, second.gebruiker)
    assert sorted(role.rol for role, _ in roles) == ["beheerder", "medewerker"]


async def test_the_same_role_twice_is_refused_in_dutch(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)
    await _add(sessionmaker, water)

    with pytest.raises(accounts.AccountError, match="heeft hier al een account"):
        await _add(sessionmaker, water)


async def test_an_evaluator_belongs_to_the_programme_office_not_to_an_organisation(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)

    evaluator = await _add(sessionmaker, None, email="eva@programma.example", rol=Rol.EVALUATOR)

    assert evaluator.lidmaatschap.organisatie_id is None
    with pytest.raises(accounts.AccountError, match="programmabureau"):
        await _add(sessionmaker, water, email="eva2@programma.example", rol=Rol.EVALUATOR)
    with pytest.raises(accounts.AccountError, match="programmabureau"):
        await _add(sessionmaker, None, email="piet@water.example", rol=Rol.MEDEWERKER)


@pytest.mark.parametrize("email", ["geen-adres", "twee @spaties.nl", "a@b"])
async def test_a_login_name_must_be_an_email_address(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties, email: str
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)

    with pytest.raises(accounts.AccountError, match="geldig e-mailadres"):
        await _add(sessionmaker, water, email=email)


# --- login and throttling ----------------------------------------------------------------------


async def _log_in(
    sessionmaker: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    *,
    adres: str = "192.0.2.1",
    now: datetime = NOW,
) -> accounts.LoginOutcome:
    async with sessionmaker() as session, session.begin():
        return await accounts.log_in(
            session, email=email, wachtwoord=password, adres=adres, limits=LIMITS, now=now
        )


async def test_the_right_password_logs_in_whatever_the_case_of_the_email(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))

    outcome = await _log_in(sessionmaker, " ANNA@water.example", PASSWORD)

    assert isinstance(outcome, accounts.LoggedIn)
    assert outcome.gebruiker.laatst_ingelogd_op == NOW


async def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))

    wrong = await _log_in(sessionmaker, "anna@water.example", "niet het wachtwoord")
    unknown = await _log_in(sessionmaker, "niemand@water.example", PASSWORD)

    assert wrong == unknown == accounts.WrongCredentials()


async def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    outcomes = [
        await _log_in(sessionmaker, "anna@water.example", f"fout {i}", now=NOW + timedelta(seconds=i))
        for i in range(3)
    ]

    right = await _log_in(sessionmaker, "anna@water.example", PASSWORD, now=NOW + timedelta(minutes=1))
    later = await _log_in(sessionmaker, "anna@water.example", PASSWORD, now=NOW + timedelta(minutes=16))

    assert outcomes[:2] == [accounts.WrongCredentials()] * 2
    assert outcomes[2] == accounts.Throttled(NOW + timedelta(seconds=2, minutes=15), per_account=True)
    assert isinstance(right, accounts.Throttled)
    assert isinstance(later, accounts.LoggedIn)


async def test_a_successful_login_clears_the_accounts_earlier_failures(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    for i in range(2):
        await _log_in(sessionmaker, "anna@water.example", "fout", now=NOW + timedelta(seconds=i))
    await _log_in(sessionmaker, "anna@water.example", PASSWORD, now=NOW + timedelta(seconds=3))

    after = await _log_in(sessionmaker, "anna@water.example", "fout", now=NOW + timedelta(seconds=4))

    assert after == accounts.WrongCredentials()


async def test_one_client_address_trying_many_accounts_is_locked(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    for i in range(5):
        await _log_in(sessionmaker, f"gok{i}@water.example", "fout", now=NOW + timedelta(seconds=i))

    from_there = await _log_in(sessionmaker, "anna@water.example", PASSWORD, now=NOW + timedelta(minutes=1))
    elsewhere = await _log_in(
        sessionmaker, "anna@water.example", PASSWORD, adres="198.51.100.7", now=NOW + timedelta(minutes=1)
    )

    assert from_there == accounts.Throttled(NOW + timedelta(seconds=4, minutes=15), per_account=False)
    assert isinstance(elsewhere, accounts.LoggedIn)


async def test_a_person_without_an_active_role_cannot_log_in(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)
    anna = await _add(sessionmaker, water)
    admin = await _add(sessionmaker, water, email="beheer@water.example", rol=Rol.BEHEERDER)
    async with sessionmaker() as session, session.begin():
        await accounts.deactivate(
            session, organisatie=water, lidmaatschap_id=anna.lidmaatschap.id, door=admin.gebruiker, now=NOW
        )

    outcome = await _log_in(sessionmaker, "anna@water.example", PASSWORD)

    assert outcome == accounts.WrongCredentials()


async def test_login_attempts_are_recorded_without_the_password(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    await _log_in(sessionmaker, "anna@water.example", "geheim-fout-wachtwoord")

    async with sessionmaker() as session:
        attempts = list(await session.scalars(select(Inlogpoging)))
    assert [(a.account, a.adres, a.gelukt) for a in attempts] == [("anna@water.example", "192.0.2.1", False)]


# --- sessions ----------------------------------------------------------------------------------


async def _session_row(sessionmaker: async_sessionmaker[AsyncSession], **kwargs: object) -> str:
    async with sessionmaker() as session, session.begin():
        token, _ = await sessions.start(session, lifetimes=LIFETIMES, now=NOW, **kwargs)  # type: ignore[arg-type]
        return token


async def _find(sessionmaker: async_sessionmaker[AsyncSession], token: str, now: datetime) -> Sessie | None:
    async with sessionmaker() as session, session.begin():
        return await sessions.find(session, token, lifetimes=LIFETIMES, now=now)


async def test_a_session_is_stored_by_the_hash_of_its_token(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    anna = await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    token = await _session_row(sessionmaker, gebruiker_id=anna.gebruiker.id)

    async with sessionmaker() as session:
        stored = list(await session.scalars(select(Sessie.token_hash)))
    assert stored == [sessions.hash_token(token)]
    assert token not in stored


async def test_a_session_ends_after_its_idle_time_unless_it_is_used(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    anna = await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    idle = await _session_row(sessionmaker, gebruiker_id=anna.gebruiker.id)
    busy = await _session_row(sessionmaker, gebruiker_id=anna.gebruiker.id)
    for minutes in (20, 40, 60):
        assert await _find(sessionmaker, busy, NOW + timedelta(minutes=minutes)) is not None

    assert await _find(sessionmaker, idle, NOW + timedelta(minutes=31)) is None
    assert await _find(sessionmaker, busy, NOW + timedelta(minutes=75)) is not None


async def test_a_session_ends_at_its_absolute_lifetime_however_busy(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    anna = await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    token = await _session_row(sessionmaker, gebruiker_id=anna.gebruiker.id)
    for minutes in range(20, 600, 20):
        assert await _find(sessionmaker, token, NOW + timedelta(minutes=minutes)) is not None

    assert await _find(sessionmaker, token, NOW + timedelta(hours=10, seconds=1)) is None


async def test_deactivating_a_role_ends_its_sessions_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)
    anna = await _add(sessionmaker, water)
    admin = await _add(sessionmaker, water, email="beheer@water.example", rol=Rol.BEHEERDER)
    token = await _session_row(
        sessionmaker, gebruiker_id=anna.gebruiker.id, lidmaatschap_id=anna.lidmaatschap.id
    )

    async with sessionmaker() as session, session.begin():
        await accounts.deactivate(
            session, organisatie=water, lidmaatschap_id=anna.lidmaatschap.id, door=admin.gebruiker, now=NOW
        )

    assert await _find(sessionmaker, token, NOW) is None
    async with sessionmaker() as session:
        role = await session.get(Lidmaatschap, anna.lidmaatschap.id)
        assert role is not None
        assert (role.actief, role.gedeactiveerd_op) == (False, NOW)


async def test_an_administrator_cannot_deactivate_themselves_nor_someone_elsewhere(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    water = await _organisation(sessionmaker, parties.water.id)
    energie = await _organisation(sessionmaker, parties.energie.id)
    admin = await _add(sessionmaker, water, email="beheer@water.example", rol=Rol.BEHEERDER)
    other = await _add(sessionmaker, energie, email="piet@energie.example")

    async with sessionmaker() as session, session.begin():
        with pytest.raises(accounts.AccountError, match="eigen account"):
            await accounts.deactivate(
                session,
                organisatie=water,
                lidmaatschap_id=admin.lidmaatschap.id,
                door=admin.gebruiker,
                now=NOW,
            )
        with pytest.raises(accounts.AccountError, match="niet bij uw organisatie"):
            await accounts.deactivate(
                session,
                organisatie=water,
                lidmaatschap_id=other.lidmaatschap.id,
                door=admin.gebruiker,
                now=NOW,
            )


async def test_a_new_password_ends_every_session_of_the_person(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    anna = await _add(sessionmaker, await _organisation(sessionmaker, parties.water.id))
    token = await _session_row(sessionmaker, gebruiker_id=anna.gebruiker.id)

    async with sessionmaker() as session, session.begin():
        gebruiker = await session.get(Gebruiker, anna.gebruiker.id)
        assert gebruiker is not None
        await accounts.set_password(session, gebruiker, "een nieuw lang wachtwoord")

    assert await _find(sessionmaker, token, NOW) is None
    outcome = await _log_in(sessionmaker, "anna@water.example", "een nieuw lang wachtwoord")
    assert isinstance(outcome, accounts.LoggedIn)


async def test_starting_a_session_clears_expired_ones(
    sessionmaker: async_sessionmaker[AsyncSession], parties: Parties
) -> None:
    await _session_row(sessionmaker)  # anonymous: an hour

    async with sessionmaker() as session, session.begin():
        await sessions.start(session, lifetimes=LIFETIMES, now=NOW + timedelta(hours=2))
    async with sessionmaker() as session:
        remaining = await session.scalar(select(func.count()).select_from(Sessie))
    assert remaining == 1
