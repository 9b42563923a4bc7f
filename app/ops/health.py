"""GET /health/live (the process answers) and GET /health/ready (it can do its work: database
reachable, migrations at head, routing table loaded, a worker reporting when one is expected).

Outside /v1: these are for the orchestrator, not part of the API. The answers hold no personal
data; `ready` names what is wrong, so an operator sees it in `docker compose ps` or a probe log.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT, Settings
from app.ops import heartbeat
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv.health")
router = APIRouter(prefix="/health")
MEDIA_TYPE = "application/health+json"
CHECK_TIMEOUT_SECONDS = 5.0


@lru_cache
def migration_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code."""
    script = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    return frozenset(script.get_heads())


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def passed(self, name: str, **details: Any) -> None:
        self.checks[name] = {"status": "pass", **details}

    def failed(self, name: str, reason: str, **details: Any) -> None:
        self.checks[name] = {"status": "fail", "reden": reason, **details}

    @property
    def ok(self) -> bool:
        return all(check["status"] == "pass" for check in self.checks.values())


async def readiness(
    session: AsyncSession, *, settings: Settings, routing: RoutingCache, now: datetime
) -> Readiness:
    result = Readiness()
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:
        result.failed("database", f"not reachable: {type(exc).__name__}")
        return result
    result.passed("database")

    try:
        revisions = set(await session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:
        await session.rollback()
        revisions = set()
    heads = migration_heads()
    if revisions == heads:
        result.passed("migrations", revisie=", ".join(sorted(revisions)))
    else:
        result.failed(
            "migrations",
            "the database is not at the code's migration head: run `wdv db upgrade`",
            revisie=", ".join(sorted(revisions)) or None,
            verwacht=", ".join(sorted(heads)),
        )
        return result  # the other checks would only trip over missing tables

    snapshot = await routing.snapshot(session)
    if snapshot is None:
        result.failed("routing", "no routing table is loaded: run `wdv routing load-default` or import one")
    else:
        result.passed("routing", tabelversie=snapshot.versie, peildatum=snapshot.peildatum.isoformat())

    if settings.worker_expected:
        newest = await heartbeat.newest(session)
        max_age = timedelta(seconds=settings.worker_heartbeat_max_age_seconds)
        if newest is None:
            result.failed("worker", "no worker has reported: start `wdv worker`")
        elif now - newest > max_age:
            result.failed(
                "worker",
                f"no worker reported in the last {max_age.total_seconds():.0f} s",
                laatsteSlag=newest.isoformat(),
            )
        else:
            result.passed("worker", laatsteSlag=newest.isoformat())
    return result


@router.get("/live", include_in_schema=False)
async def live() -> JSONResponse:
    return JSONResponse({"status": "pass"}, media_type=MEDIA_TYPE)


@router.get("/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    state = request.app.state
    try:
        async with state.sessionmaker() as session:
            result = await asyncio.wait_for(
                readiness(session, settings=state.settings, routing=state.routing, now=datetime.now(UTC)),
                timeout=CHECK_TIMEOUT_SECONDS,
            )
    except (TimeoutError, OSError) as exc:
        result = Readiness()
        result.failed("database", f"not reachable: {type(exc).__name__}")
    if not result.ok:
        logger.warning(
            "not ready: %s", ", ".join(k for k, v in result.checks.items() if v["status"] != "pass")
        )
    return JSONResponse(
        {"status": "pass" if result.ok else "fail", "checks": result.checks},
        status_code=200 if result.ok else 503,
        media_type=MEDIA_TYPE,
    )
