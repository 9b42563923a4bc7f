"""Accounts and memberships: adding people, their roles per organisation, passwords and login.
Services flush; only the session owner commits."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import passwords, sessions
from app.accounts.models import Gebruiker, Inlogpoging, Lidmaatschap, Rol
from app.accounts.throttle import Limits, locked_until
from app.organisations.models import Organisatie

# login attempts are personal data (name and address): kept only as long as throttling and a
# look back at an incident need them
ATTEMPTS_KEPT = timedelta(days=30)


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message is Dutch, for people."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The login name as stored, or AccountError when it is not an e-mail address."""
    normalised = normalise_email(email)
    local, at, domain = normalised.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in normalised) or len(normalised) > 254:
        raise AccountError("Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl.")
    return normalised


@dataclass(frozen=True)
class Added:
    gebruiker: Gebruiker
    lidmaatschap: Lidmaatschap
    new_account: bool  # False: an existing account was given (another) membership


async def add_user(
    session: AsyncSession,
    *,
    email: str,
    naam: str,
    wachtwoord: str,
    organisatie: Organisatie | None,
    rol: Rol,
    now: datetime,
) -> Added:
    """Give a person a role at an organisation (evaluators: at none), creating the account when
    the e-mail address has none yet. An existing account keeps its own name and password."""
    if (rol is Rol.EVALUATOR) != (organisatie is None):
        raise AccountError(
            "Een evaluator hoort bij het programmabureau, niet bij een organisatie; "
            "een medewerker of beheerder hoort bij een organisatie."
        )
    login = check_email(email)
    gebruiker = await session.scalar(select(Gebruiker).where(Gebruiker.email == login))
    new_account = gebruiker is None
    if gebruiker is None:
        if not naam.strip():
            raise AccountError("Vul de naam in.")
        if reason := passwords.problem(wachtwoord):
            raise AccountError(reason)
        gebruiker = Gebruiker(
            id=uuid.uuid4(),
            email=login,
            naam=naam.strip()[:200],
            wachtwoord_hash=await asyncio.to_thread(passwords.hash_password, wachtwoord),
            actief=True,
            aangemaakt_op=now,
        )
        session.add(gebruiker)
        await session.flush()
    organisatie_id = organisatie.id if organisatie else None
    lidmaatschap = await session.scalar(
        select(Lidmaatschap).where(
            Lidmaatschap.gebruiker_id == gebruiker.id,
            Lidmaatschap.organisatie_id.is_(None)
            if organisatie_id is None
            else Lidmaatschap.organisatie_id == organisatie_id,
        )
    )
    if lidmaatschap is not None and lidmaatschap.actief:
        raise AccountError(f"{login} heeft hier al een account (rol {lidmaatschap.rol}).")
    if lidmaatschap is None:
        lidmaatschap = Lidmaatschap(
            id=uuid.uuid4(), gebruiker_id=gebruiker.id, organisatie_id=organisatie_id, aangemaakt_op=now
        )
        session.add(lidmaatschap)
    lidmaatschap.rol, lidmaatschap.actief, lidmaatschap.gedeactiveerd_op = rol.value, True, None
    gebruiker.actief = True
    await session.flush()
    return Added(gebruiker, lidmaatschap, new_account)


async def members(session: AsyncSession, organisatie: Organisatie) -> list[tuple[Lidmaatschap, Gebruiker]]:
    """Everyone with a role at the organisation, active first, then by name."""
    rows = await session.execute(
        select(Lidmaatschap, Gebruiker)
        .join(Gebruiker, Gebruiker.id == Lidmaatschap.gebruiker_id)
        .where(Lidmaatschap.organisatie_id == organisatie.id)
        .order_by(Lidmaatschap.actief.desc(), Gebruiker.naam, Gebruiker.email)
    )
    return [(lidmaatschap, gebruiker) for lidmaatschap, gebruiker in rows.all()]


async def deactivate(
    session: AsyncSession,
    *,
    organisatie: Organisatie,
    lidmaatschap_id: uuid.UUID,
    door: Gebruiker,
    now: datetime,
) -> Gebruiker:
    """End a person's role at the organisation, and their sessions in that role at once."""
    lidmaatschap = await session.get(Lidmaatschap, lidmaatschap_id)
    if lidmaatschap is None or lidmaatschap.organisatie_id != organisatie.id:
        raise AccountError("Deze gebruiker hoort niet bij uw organisatie.")
    if lidmaatschap.gebruiker_id == door.id:
        raise AccountError("U kunt uw eigen account niet deactiveren; vraag een andere beheerder.")
    gebruiker = await session.get(Gebruiker, lidmaatschap.gebruiker_id)
    assert gebruiker is not None
    lidmaatschap.actief, lidmaatschap.gedeactiveerd_op = False, now
    await sessions.end_all(session, lidmaatschap_id=lidmaatschap.id)
    return gebruiker


async def memberships(
    session: AsyncSession, gebruiker: Gebruiker
) -> list[tuple[Lidmaatschap, Organisatie | None]]:
    """A person's active roles, each with its organisation (None for an evaluator)."""
    rows = await session.execute(
        select(Lidmaatschap, Organisatie)
        .outerjoin(Organisatie, Organisatie.id == Lidmaatschap.organisatie_id)
        .where(Lidmaatschap.gebruiker_id == gebruiker.id, Lidmaatschap.actief.is_(True))
        .order_by(Organisatie.naam)
    )
    return [(lidmaatschap, organisatie) for lidmaatschap, organisatie in rows.all()]


async def set_password(session: AsyncSession, gebruiker: Gebruiker, wachtwoord: str) -> None:
    """Replace the password; every session of the person ends (the caller starts a new one)."""
    if reason := passwords.problem(wachtwoord):
        raise AccountError(reason)
    gebruiker.wachtwoord_hash = await asyncio.to_thread(passwords.hash_password, wachtwoord)
    await sessions.end_all(session, gebruiker_id=gebruiker.id)


async def find_user(session: AsyncSession, email: str) -> Gebruiker | None:
    return await session.scalar(select(Gebruiker).where(Gebruiker.email == normalise_email(email)))


# --- login -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    account: Limits
    address: Limits


@dataclass(frozen=True)
class LoggedIn:
    gebruiker: Gebruiker


@dataclass(frozen=True)
class WrongCredentials:
    """Unknown name, wrong password or a deactivated account: the same answer for each."""


@dataclass(frozen=True)
class Throttled:
    until: datetime
    per_account: bool  # False: too many failures from this client address


LoginOutcome = LoggedIn | WrongCredentials | Throttled


async def _failures(
    session: AsyncSession, *, account: str | None, adres: str | None, since: datetime
) -> list[datetime]:
    query = select(Inlogpoging.tijdstip).where(Inlogpoging.gelukt.is_(False), Inlogpoging.tijdstip > since)
    if account is not None:
        last_success = await session.scalar(
            select(Inlogpoging.tijdstip)
            .where(Inlogpoging.account == account, Inlogpoging.gelukt.is_(True))
            .order_by(Inlogpoging.tijdstip.desc())
            .limit(1)
        )
        if last_success is not None and last_success > since:
            since = last_success
            query = query.where(Inlogpoging.tijdstip > since)
        query = query.where(Inlogpoging.account == account)
    if adres is not None:
        query = query.where(Inlogpoging.adres == adres)
    return list(await session.scalars(query))


async def log_in(
    session: AsyncSession,
    *,
    email: str,
    wachtwoord: str,
    adres: str,
    limits: LoginLimits,
    now: datetime,
) -> LoginOutcome:
    """Check a login, throttled per account (failures since its last success) and per client
    address. While locked the password is not even checked, so guessing gains nothing."""
    account = normalise_email(email)[:254]
    address_failures = await _failures(session, account=None, adres=adres, since=now - limits.address.horizon)
    if until := locked_until(address_failures, limits.address, now=now):
        return Throttled(until, per_account=False)
    account_failures = await _failures(
        session, account=account, adres=None, since=now - limits.account.horizon
    )
    if until := locked_until(account_failures, limits.account, now=now):
        return Throttled(until, per_account=True)

    gebruiker = await session.scalar(select(Gebruiker).where(Gebruiker.email == account))
    if gebruiker is None:
        ok = await asyncio.to_thread(passwords.verify_nobody, wachtwoord)
    else:
        ok = await asyncio.to_thread(passwords.verify, gebruiker.wachtwoord_hash, wachtwoord)
        ok = ok and gebruiker.actief and bool(await memberships(session, gebruiker))
    session.add(Inlogpoging(tijdstip=now, account=account, adres=adres[:64], gelukt=ok))
    await session.execute(delete(Inlogpoging).where(Inlogpoging.tijdstip < now - ATTEMPTS_KEPT))
    if not ok or gebruiker is None:
        await session.flush()
        account_failures.append(now)
        address_failures.append(now)
        # the attempt that reaches a limit says so at once
        if until := locked_until(account_failures, limits.account, now=now):
            return Throttled(until, per_account=True)
        if until := locked_until(address_failures, limits.address, now=now):
            return Throttled(until, per_account=False)
        return WrongCredentials()
    if passwords.needs_rehash(gebruiker.wachtwoord_hash):
        gebruiker.wachtwoord_hash = await asyncio.to_thread(passwords.hash_password, wachtwoord)
    gebruiker.laatst_ingelogd_op = now
    await session.flush()
    return LoggedIn(gebruiker)
