"""Organisations, API keys and the coverage register. Services flush; only the session owner commits."""

import contextlib
import hashlib
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.organisations.models import ApiSleutel, Dekking, Organisatie, Rol

KEY_PREFIX = "wdv_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def add_organisatie(
    session: AsyncSession,
    *,
    naam: str,
    rol: Rol,
    oin: str | None = None,
    kvk_nummer: str | None = None,
    signaalpartner: str | None = None,
) -> Organisatie:
    if rol is Rol.SCHULDEISER and not (oin or kvk_nummer):
        raise ValueError("a schuldeiser needs an OIN or a KvK-nummer")
    organisatie = Organisatie(
        naam=naam,
        rol=rol.value,
        oin=oin,
        kvk_nummer=kvk_nummer,
        signaalpartner=signaalpartner,
        aangemaakt_op=datetime.now(UTC),
    )
    session.add(organisatie)
    await session.flush()
    return organisatie


async def create_key(session: AsyncSession, *, organisatie_id: uuid.UUID, omschrijving: str = "") -> str:
    """Create an API key and return it; only its hash is kept, so it is shown once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiSleutel(
            organisatie_id=organisatie_id,
            sleutel_hash=hash_key(key),
            prefix=key[: len(KEY_PREFIX) + 6],
            omschrijving=omschrijving,
            aangemaakt_op=datetime.now(UTC),
        )
    )
    await session.flush()
    return key


async def keys(session: AsyncSession, organisatie_id: uuid.UUID) -> list[ApiSleutel]:
    """An organisation's API keys (hashes and prefixes only), newest first."""
    return list(
        await session.scalars(
            select(ApiSleutel)
            .where(ApiSleutel.organisatie_id == organisatie_id)
            .order_by(ApiSleutel.aangemaakt_op.desc())
        )
    )


async def revoke_key(
    session: AsyncSession, *, organisatie_id: uuid.UUID, sleutel_id: uuid.UUID, now: datetime
) -> ApiSleutel | None:
    """Revoke one of the organisation's keys at once; None when it has no such key."""
    key = await session.get(ApiSleutel, sleutel_id)
    if key is None or key.organisatie_id != organisatie_id:
        return None
    key.ingetrokken_op = key.ingetrokken_op or now
    return key


async def organisatie_for_key(session: AsyncSession, key: str) -> Organisatie | None:
    return await session.scalar(
        select(Organisatie)
        .join(ApiSleutel, ApiSleutel.organisatie_id == Organisatie.id)
        .where(ApiSleutel.sleutel_hash == hash_key(key), ApiSleutel.ingetrokken_op.is_(None))
    )


async def find_organisatie(session: AsyncSession, ident: str) -> Organisatie | None:
    """By id, OIN, KvK-nummer or exact name (for operators on the command line)."""
    conditions = [
        Organisatie.naam == ident,
        Organisatie.oin == ident,
        Organisatie.kvk_nummer == ident,
    ]
    with contextlib.suppress(ValueError):
        conditions.append(Organisatie.id == uuid.UUID(ident))
    return await session.scalar(select(Organisatie).where(or_(*conditions)))


async def set_coverage(
    session: AsyncSession,
    *,
    uitvoerder: Organisatie,
    gemeentecode: str,
    geldig_vanaf: date,
    geldig_tot: date | None = None,
) -> Dekking:
    """Let `uitvoerder` serve `gemeentecode` from `geldig_vanaf`; overlapping coverage ends the day before."""
    if uitvoerder.rol != Rol.UITVOERDER:
        raise ValueError(f"{uitvoerder.naam} is not an uitvoerder")
    overlapping = await session.scalars(
        select(Dekking).where(
            Dekking.gemeentecode == gemeentecode,
            or_(Dekking.geldig_tot.is_(None), Dekking.geldig_tot >= geldig_vanaf),
        )
    )
    for earlier in overlapping:
        if earlier.geldig_vanaf >= geldig_vanaf:
            await session.delete(earlier)
        else:
            earlier.geldig_tot = geldig_vanaf - timedelta(days=1)
    coverage = Dekking(
        uitvoerder_id=uitvoerder.id,
        gemeentecode=gemeentecode,
        geldig_vanaf=geldig_vanaf,
        geldig_tot=geldig_tot,
    )
    session.add(coverage)
    await session.flush()
    return coverage


async def uitvoerder_for(session: AsyncSession, *, gemeentecode: str, on: date) -> Organisatie | None:
    return await session.scalar(
        select(Organisatie)
        .join(Dekking, Dekking.uitvoerder_id == Organisatie.id)
        .where(
            Dekking.gemeentecode == gemeentecode,
            Dekking.geldig_vanaf <= on,
            or_(Dekking.geldig_tot.is_(None), Dekking.geldig_tot >= on),
        )
        .order_by(Dekking.geldig_vanaf.desc())
        .limit(1)
    )
