"""The worker heartbeat: each worker process keeps one row up to date while its loop runs, so
/health/ready and /metrics can tell whether anything is delivering and firing timers."""

import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from app import logs, metrics
from app.db import Base, UTCDateTime

# at most one write per this many seconds per process
BEAT_EVERY = 10.0
# rows of workers silent for this long are removed by the next beat of any worker
FORGET_AFTER = timedelta(days=1)
WORKER_ID = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    gestart_op: Mapped[datetime] = mapped_column(UTCDateTime)
    laatste_slag: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass
class _LastBeat:
    monotonic: float = float("-inf")


_last = _LastBeat()


async def beat(sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None) -> None:
    """Called at the start of every worker round; a round starts outside any request's context."""
    logs.bind_request_id(None)
    if now is None and time.monotonic() - _last.monotonic < BEAT_EVERY:
        return
    moment = now or datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        row = await session.get(WorkerHeartbeat, WORKER_ID)
        if row is None:
            session.add(WorkerHeartbeat(worker_id=WORKER_ID, gestart_op=moment, laatste_slag=moment))
            await session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.laatste_slag < moment - FORGET_AFTER)
            )
        else:
            row.laatste_slag = moment
    _last.monotonic = time.monotonic()
    metrics.worker_beat(moment.timestamp())


async def newest(session: AsyncSession) -> datetime | None:
    """When any worker last reported."""
    return await session.scalar(select(func.max(WorkerHeartbeat.laatste_slag)))


async def alive(session: AsyncSession, *, now: datetime, max_age: timedelta) -> int:
    """How many workers reported within `max_age`."""
    count = await session.scalar(
        select(func.count()).select_from(WorkerHeartbeat).where(WorkerHeartbeat.laatste_slag >= now - max_age)
    )
    return int(count or 0)
