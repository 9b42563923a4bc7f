"""Server-side browser sessions. The cookie carries a random token; the table keeps its SHA-256,
who is logged in and in which role, and the CSRF token of the session's forms."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Sessie

# a session's last use is written at most this often, not on every request
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class Lifetimes:
    absolute: timedelta  # from login, however busy the session
    idle: timedelta  # without a request
    anonymous: timedelta  # a session before login (it only holds the login form's CSRF token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry(sessie: Sessie, lifetimes: Lifetimes, now: datetime) -> datetime:
    if sessie.gebruiker_id is None:
        return sessie.aangemaakt_op + lifetimes.anonymous
    return min(sessie.aangemaakt_op + lifetimes.absolute, now + lifetimes.idle)


async def start(
    session: AsyncSession,
    *,
    lifetimes: Lifetimes,
    now: datetime,
    gebruiker_id: uuid.UUID | None = None,
    lidmaatschap_id: uuid.UUID | None = None,
) -> tuple[str, Sessie]:
    """A new session with a fresh token and CSRF token; expired sessions are cleared away."""
    await session.execute(delete(Sessie).where(Sessie.verloopt_op <= now))
    token = secrets.token_urlsafe(32)
    sessie = Sessie(
        token_hash=hash_token(token),
        gebruiker_id=gebruiker_id,
        lidmaatschap_id=lidmaatschap_id,
        csrf_token=secrets.token_urlsafe(32),
        aangemaakt_op=now,
        laatst_gebruikt_op=now,
        verloopt_op=now,
    )
    sessie.verloopt_op = _expiry(sessie, lifetimes, now)
    session.add(sessie)
    await session.flush()
    return token, sessie


async def find(session: AsyncSession, token: str, *, lifetimes: Lifetimes, now: datetime) -> Sessie | None:
    """The live session of a cookie token, its idle clock restarted; None when unknown or expired."""
    if not token or len(token) > 100:
        return None
    sessie = await session.get(Sessie, hash_token(token))
    if sessie is None or sessie.verloopt_op <= now:
        return None
    if now - sessie.laatst_gebruikt_op >= TOUCH_INTERVAL:
        sessie.laatst_gebruikt_op = now
        sessie.verloopt_op = _expiry(sessie, lifetimes, now)
    return sessie


async def end(session: AsyncSession, sessie: Sessie) -> None:
    await session.delete(sessie)


async def end_all(
    session: AsyncSession, *, gebruiker_id: uuid.UUID | None = None, lidmaatschap_id: uuid.UUID | None = None
) -> None:
    """End every session of a person, or of one of their roles."""
    conditions = []
    if gebruiker_id is not None:
        conditions.append(Sessie.gebruiker_id == gebruiker_id)
    if lidmaatschap_id is not None:
        conditions.append(Sessie.lidmaatschap_id == lidmaatschap_id)
    if conditions:
        await session.execute(delete(Sessie).where(or_(*conditions)))
