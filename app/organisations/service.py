"""Organisations, API keys and the coverage register. Services flush; only the session owner commits."""

import contextlib
import hashlib
import secrets
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.organisations.models import ApiSleutel, Dekking, Organisatie, Rol

KEY_PREFIX = "wdv_"
LAST_USED_EVERY = timedelta(minutes=1)


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


async def create_key(
    session: AsyncSession,
    *,
    organisatie_id: uuid.UUID,
    omschrijving: str = "",
    geldig_tot: datetime | None = None,
) -> str:
    """Create an API key and return it; only its hash is kept, so it is shown once. With
    `geldig_tot` it is refused from that moment on."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiSleutel(
            organisatie_id=organisatie_id,
            sleutel_hash=hash_key(key),
            prefix=key[: len(KEY_PREFIX) + 6],
            omschrijving=omschrijving,
            aangemaakt_op=datetime.now(UTC),
            geldig_tot=geldig_tot,
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


async def own_key(
    session: AsyncSession, *, organisatie_id: uuid.UUID, sleutel_id: uuid.UUID
) -> ApiSleutel | None:
    """One of the organisation's keys; None when it has no such key."""
    key = await session.get(ApiSleutel, sleutel_id)
    return key if key is not None and key.organisatie_id == organisatie_id else None


async def organisatie_for_key(session: AsyncSession, key: str) -> Organisatie | None:
    """The organisation of a key that is neither revoked nor expired."""
    return await session.scalar(
        select(Organisatie)
        .join(ApiSleutel, ApiSleutel.organisatie_id == Organisatie.id)
        .where(
            ApiSleutel.sleutel_hash == hash_key(key),
            ApiSleutel.ingetrokken_op.is_(None),
            or_(ApiSleutel.geldig_tot.is_(None), ApiSleutel.geldig_tot > datetime.now(UTC)),
        )
    )


# when each key's use was last written, by this process (a busy key does not write every request)
_noted: dict[str, float] = {}


def key_use_due(key: str) -> bool:
    """Whether this process should record the key's use now: at most once a minute per key."""
    digest = hash_key(key)
    noted = _noted.get(digest)
    if noted is not None and time.monotonic() - noted < LAST_USED_EVERY.total_seconds():
        return False
    _noted[digest] = time.monotonic()
    return True


async def note_key_use(session: AsyncSession, key: str, *, now: datetime | None = None) -> None:
    """Record that a key was used (at most once a minute in the database too, for all processes)."""
    digest = hash_key(key)
    now = now or datetime.now(UTC)
    await session.execute(
        update(ApiSleutel)
        .where(
            ApiSleutel.sleutel_hash == digest,
            or_(
                ApiSleutel.laatst_gebruikt_op.is_(None),
                ApiSleutel.laatst_gebruikt_op <= now - LAST_USED_EVERY,
            ),
        )
        .values(laatst_gebruikt_op=now)
        .execution_options(synchronize_session=False)
    )


def key_status(sleutel: ApiSleutel, now: datetime) -> str:
    """actief, ingetrokken or verlopen."""
    if sleutel.ingetrokken_op is not None:
        return "ingetrokken"
    if sleutel.geldig_tot is not None and sleutel.geldig_tot <= now:
        return "verlopen"
    return "actief"


async def list_keys(
    session: AsyncSession, organisatie_id: uuid.UUID | None = None
) -> list[tuple[ApiSleutel, Organisatie]]:
    """Keys (of one organisation, or all), by organisation and then oldest first."""
    query = select(ApiSleutel, Organisatie).join(Organisatie, Organisatie.id == ApiSleutel.organisatie_id)
    if organisatie_id is not None:
        query = query.where(ApiSleutel.organisatie_id == organisatie_id)
    rows = await session.execute(query.order_by(Organisatie.naam, ApiSleutel.aangemaakt_op, ApiSleutel.id))
    return [(sleutel, organisatie) for sleutel, organisatie in rows]


async def keys_named(session: AsyncSession, ident: str) -> list[ApiSleutel]:
    """The keys with this id, or whose prefix (as listed, `wdv_…`) is this."""
    conditions = [ApiSleutel.prefix == ident]
    with contextlib.suppress(ValueError):
        conditions.append(ApiSleutel.id == uuid.UUID(ident))
    return list(await session.scalars(select(ApiSleutel).where(or_(*conditions)).order_by(ApiSleutel.id)))


def revoke_key(sleutel: ApiSleutel, *, now: datetime) -> bool:
    """Revoke a key from `now` on; False when it was revoked before."""
    if sleutel.ingetrokken_op is not None:
        return False
    sleutel.ingetrokken_op = now
    return True


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
