"""create_app(): the service. Everything lives under /v1 (its own OpenAPI document and docs)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline

from app import API_VERSION
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.delivery.api import router as delivery_router
from app.http import RequestLimits, SecurityHeaders, install_error_handlers, validation_pool
from app.openapi import install_openapi
from app.peers.api import router as peers_router
from app.ratelimit import Limits
from app.referrals.api import router as referrals_router
from app.referrals.changes_api import router as changes_router
from app.routing.api import router as routing_router
from app.routing.service import RoutingCache
from app.worker import run_forever

DESCRIPTION = """
Warm referrals in Dutch debt help (*warme doorverwijzing*). A creditor that has spoken with a
customer in payment arrears, and has the customer's consent, sends a referral; the service routes
it by postcode and house number to the gemeente and the organisation doing its debt help, starts
the 30-day collection hold and promises contact within 3 working days.

Messages follow specification v1 (JSON Schema and XSD); errors are RFC 9457 problem details.
Authenticate with `Authorization: Bearer <API key>`.
"""


def create_v1() -> FastAPI:
    # Swagger UI served from the package, not from a CDN: the sandbox works offline
    v1 = FastAPIOffline(
        title="Warme doorverwijzing",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-static",
    )
    v1.include_router(referrals_router)
    v1.include_router(changes_router)
    v1.include_router(delivery_router)
    v1.include_router(peers_router)
    v1.include_router(routing_router)
    install_error_handlers(v1)
    install_openapi(v1)
    return v1


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    v1 = create_v1()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url,
            wait_seconds=settings.database_wait_seconds,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_overflow,
        )
        sessionmaker = create_sessionmaker(engine)
        pool = validation_pool(settings)
        for target in (app, v1):
            target.state.settings = settings
            target.state.sessionmaker = sessionmaker
            target.state.routing = routing
            target.state.limits = limits
            target.state.validation_pool = pool
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(run_forever(sessionmaker, settings, stop))
            if settings.runs_worker_in_process()
            else None
        )
        yield
        stop.set()
        if worker:
            await worker
        pool.shutdown(wait=False, cancel_futures=True)
        await engine.dispose()

    routing = RoutingCache(settings.routing_refresh_seconds)
    # in this process only: with several server processes each keeps its own count
    limits = Limits.of(
        per_key=settings.rate_limit_per_key,
        per_address=settings.rate_limit_per_address,
        failed_auth=settings.rate_limit_failed_auth,
    )
    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_api_route("/", lambda: RedirectResponse("/v1/docs"), include_in_schema=False)
    app.mount("/v1", v1)
    install_error_handlers(app)
    app.add_middleware(RequestLimits, settings=settings, limits=limits)
    app.add_middleware(SecurityHeaders, hsts=settings.serves_https())
    return app
