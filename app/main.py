"""create_app(): the service. The API lives under /v1 (its own OpenAPI document and docs); the
portal's pages for people live outside it (app/web)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi_offline import FastAPIOffline

from app import API_VERSION, logs
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.delivery.api import router as delivery_router
from app.http import RequestLimits, SecurityHeaders, install_error_handlers, validation_pool
from app.openapi import install_openapi
from app.ops import health, scrape
from app.ops.requests import RequestContext
from app.ops.startup import install_data_keys, warn_about_configuration
from app.peers.api import router as peers_router
from app.ratelimit import Limits
from app.referrals.api import router as referrals_router
from app.referrals.changes_api import router as changes_router
from app.routing.api import router as routing_router
from app.routing.service import RoutingCache
from app.web import install as install_pages
from app.worker import run_forever

DESCRIPTION = """
Warm referrals in Dutch debt help (*warme doorverwijzing*). A creditor that has spoken with a
customer in payment arrears, and has the customer's consent, sends a referral; the service routes
it by postcode and house number to the gemeente and the organisation doing its debt help, starts
the 30-day collection hold and promises contact within 3 working days.

Messages follow specification v1 (JSON Schema and XSD); errors are RFC 9457 problem details.
Authenticate with `Authorization: Bearer <API key>`.
"""

DOCS_STATIC = "/docs-static"


def create_v1() -> FastAPI:
    # Swagger UI served from the package, not from a CDN: the sandbox works offline
    v1 = FastAPIOffline(
        title="Warme doorverwijzing",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        static_url=DOCS_STATIC,
    )

    @v1.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        # the package's own page, without an OAuth2 redirect page (no OAuth2 flow here)
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{v1.title} - Swagger UI",
            oauth2_redirect_url=None,
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
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
    """The service. Without settings (uvicorn --factory) it is the process's app: the settings come
    from the environment and the process logs as LOG_FORMAT says; tests pass their own settings."""
    if settings is None:
        settings = get_settings()
        logs.configure(settings)
    install_data_keys(settings)
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
        await warn_about_configuration(sessionmaker, settings)
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(run_forever(sessionmaker, settings, stop))
            if settings.runs_worker_in_process()
            else None
        )
        async with scrape.metrics_port(sessionmaker, settings):
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
    # operations, not the API: outside /v1 and its OpenAPI document
    app.include_router(health.router)
    app.include_router(scrape.router)
    app.mount("/v1", v1)
    install_error_handlers(app)
    install_pages(app)  # the portal: "/", login, meldpunt, werkvoorraad, beheer
    app.add_middleware(RequestLimits, settings=settings, limits=limits)
    app.add_middleware(SecurityHeaders, hsts=settings.serves_https())
    app.add_middleware(RequestContext)
    return app
