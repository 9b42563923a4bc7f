"""What a process says when it starts: no start without the data keys personal data is encrypted
under, and a warning for organisations on a peer channel whose peer is not configured (their
deliveries would fail until it is, e.g. after `make run-peers` followed by `make run`)."""

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.organisations.models import Kanaal, Organisatie
from app.privacy import keys

logger = logging.getLogger("wdv.startup")

SETTING = {
    Kanaal.VROEGSIGNALERING: "VROEGSIGNALERING_URL",
    Kanaal.SCHULDENKNOOPPUNT: "SCHULDENKNOOPPUNT_URL",
}


def _configured(kanaal: Kanaal, settings: Settings) -> bool:
    if kanaal is Kanaal.VROEGSIGNALERING:
        return bool(settings.vroegsignalering_url)
    return bool(settings.schuldenknooppunt_url)


async def unconfigured_channels(session: AsyncSession, settings: Settings) -> list[str]:
    """One sentence per peer channel in use whose address setting is empty."""
    rows = await session.execute(
        select(Organisatie.kanaal, func.count())
        .where(Organisatie.kanaal.in_([k.value for k in SETTING]))
        .group_by(Organisatie.kanaal)
    )
    counts: dict[str, int] = {kanaal: count for kanaal, count in rows}
    return [
        f"{counts[kanaal.value]} organisation(s) use the {kanaal.value} channel but {SETTING[kanaal]} "
        f"is not set: their deliveries fail (see GET /v1/bezorgingen) until it is set, or move them "
        f"back with `wdv org channel NAME --kanaal api`"
        for kanaal in SETTING
        if counts.get(kanaal.value) and not _configured(kanaal, settings)
    ]


async def warn_about_configuration(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    try:
        async with sessionmaker() as session:
            warnings = await unconfigured_channels(session, settings)
    except Exception as exc:
        # not migrated yet, say; /health/ready reports that
        logger.warning("configuration not checked: %s", type(exc).__name__)
        return
    for warning in warnings:
        logger.warning(warning)


def install_data_keys(settings: Settings) -> None:
    """Load the data keys, or stop the process with one line saying what to set."""
    try:
        keys.load_and_install(settings)
    except keys.DataKeyError as exc:
        logger.critical("cannot start: %s", exc)
        raise SystemExit(1) from None
