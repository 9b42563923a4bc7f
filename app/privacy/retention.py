"""Erasing a referral's personal data once the retention period after closing has passed.

A referral that closed (afgesloten, niet_opgepakt, niet_bereikt) or was withdrawn keeps its
personal data for RETENTION_MONTHS after the day it closed (`gesloten_op`); an open one is never
erased. Erasure keeps the anonymous course of the referral (app/privacy/anonymous.py), records
itself in the processing log, and leaves a referral that still answers GET (`gewistOp`) and the
Terugmelding.
Run by the worker next to the timers, and by `wdv retention run`.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.delivery.models import Bezorging, Bezorgpoging
from app.privacy.anonymous import bedrag_klasse, kept_gegevens, retention_cutoff
from app.privacy.register import Verwerkingsactiviteit
from app.referrals.access import log_processing
from app.referrals.models import Doorverwijzing as D
from app.referrals.models import Gebeurtenis, Verlengingsverzoek

BATCH = 200
ACTIE = "wissen"


@dataclass(frozen=True)
class Due:
    """A referral whose personal data is due for erasure (for a dry run)."""

    id: uuid.UUID
    status: str
    gesloten_op: date


def _due(cutoff: datetime) -> Select[D]:
    return select(D).where(
        D.is_open.is_(False),
        D.gewist_op.is_(None),
        D.gesloten_op.is_not(None),
        D.gesloten_op < clocks.ontvangstdag(cutoff),
    )


async def due(session: AsyncSession, *, now: datetime, months: int) -> list[Due]:
    """Every referral whose personal data would be erased at `now`, oldest closing first."""
    cutoff = retention_cutoff(now, months)
    rows = await session.execute(
        _due(cutoff).with_only_columns(D.id, D.status, D.gesloten_op).order_by(D.gesloten_op, D.id)
    )
    return [Due(ident, status, closed) for ident, status, closed in rows if closed is not None]


async def count_due(session: AsyncSession, *, now: datetime, months: int) -> int:
    cutoff = retention_cutoff(now, months)
    found = await session.scalar(_due(cutoff).with_only_columns(func.count()).order_by(None))
    return int(found or 0)


async def erase(session: AsyncSession, doorverwijzing: D, *, now: datetime) -> None:
    """Erase one closed referral's personal data and log it; its anonymous course stays."""
    if doorverwijzing.is_open:
        raise ValueError("an open referral is never erased")
    if doorverwijzing.bericht is not None:  # rows from before these columns were filled
        achterstand = doorverwijzing.bericht.get("achterstand", {})
        doorverwijzing.soort_vaste_last = doorverwijzing.soort_vaste_last or achterstand.get("soortVasteLast")
        if doorverwijzing.bedrag_klasse is None and "bedrag" in achterstand:
            doorverwijzing.bedrag_klasse = bedrag_klasse(achterstand["bedrag"])
    doorverwijzing.bericht = None
    doorverwijzing.actueel_adres = None
    doorverwijzing.routering = doorverwijzing.routering | {
        "sleutel": str(doorverwijzing.routering.get("sleutel", ""))[:4]
    }
    doorverwijzing.gewist_op = now
    entries = await session.scalars(
        select(Gebeurtenis).where(Gebeurtenis.doorverwijzing_id == doorverwijzing.id)
    )
    for entry in entries:
        kept = kept_gegevens(entry.gegevens)
        if kept != entry.gegevens:
            entry.gegevens = kept
    await session.execute(
        update(Verlengingsverzoek)
        .where(Verlengingsverzoek.doorverwijzing_id == doorverwijzing.id)
        .values(motivering=None)
    )
    deliveries = select(Bezorging.id).where(Bezorging.doorverwijzing_id == doorverwijzing.id)
    await session.execute(
        update(Bezorgpoging).where(Bezorgpoging.bezorging_id.in_(deliveries)).values(antwoord=None)
    )
    log_processing(
        session,
        organisatie_id=None,
        doorverwijzing_id=doorverwijzing.id,
        actie=ACTIE,
        activiteit=Verwerkingsactiviteit.BEWAARTERMIJN,
        now=now,
    )


async def erase_due(
    session: AsyncSession, *, now: datetime, months: int, limit: int = BATCH
) -> list[uuid.UUID]:
    """Erase up to `limit` referrals that are due, skipping rows another worker holds; returns
    their ids. Several workers may run it at once: each referral is erased once."""
    cutoff = retention_cutoff(now, months)
    found = await session.scalars(
        _due(cutoff).order_by(D.gesloten_op, D.id).limit(limit).with_for_update(skip_locked=True)
    )
    erased = []
    for doorverwijzing in found:
        await erase(session, doorverwijzing, now=now)
        erased.append(doorverwijzing.id)
    return erased
