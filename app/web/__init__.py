"""The portal: server-rendered pages for people (creditor staff, case workers, administrators),
outside /v1 and outside the OpenAPI document. Systems keep using the API with their keys."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web.errors import install_page_errors
from app.web.limits import FormBodyLimit

STATIC = Path(__file__).parent / "static"
FORM_BODY_LIMIT = 64 * 1024


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to the service."""
    from app.web import beheer, login, meldpunt, webhooks, werkvoorraad

    for module in (login, meldpunt, werkvoorraad, beheer, webhooks):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_page_errors(app)
    app.add_middleware(FormBodyLimit, limit=FORM_BODY_LIMIT)
