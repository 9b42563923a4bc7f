"""Errors on pages: a browser gets a Dutch page with the status, an API client the usual
problem+json. A page that needs a login sends the browser to the login page instead."""

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.accounts.dependencies import CsrfRefused, Redirect, RoleRefused
from app.errors import ProblemError
from app.web.templating import render

logger = logging.getLogger("wdv")

TITLES = {
    400: "Ongeldige invoer",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Niet toegestaan",
    409: "Conflict",
    413: "Te veel gegevens",
    422: "Kan niet verwerkt worden",
    429: "Even wachten",
    500: "Er ging iets mis",
}
EXPLANATIONS = {
    400: "De pagina kreeg invoer die zij niet kent. Ga terug en probeer het opnieuw.",
    403: "U mag dit niet doen met uw account.",
    404: "Deze pagina bestaat niet, of wat u zoekt is niet zichtbaar voor uw organisatie.",
    405: "Deze actie kan niet op deze pagina.",
    500: "Er ging iets mis aan onze kant. Het is vastgelegd; probeer het later opnieuw.",
}

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def wants_page(request: Request) -> bool:
    """A browser navigating (it asks for HTML), as opposed to an API client."""
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, explanation: str | None = None) -> Response:
    return render(
        request,
        "fout.html",
        {
            "title": TITLES.get(status, f"Fout {status}"),
            "status": status,
            "uitleg": explanation or EXPLANATIONS.get(status, "Dit verzoek kon niet worden uitgevoerd."),
        },
        status_code=status,
    )


def _page_for(request: Request, exc: Exception) -> Response:
    if isinstance(exc, (CsrfRefused, RoleRefused)):
        explanation = exc.detail
        if isinstance(exc, CsrfRefused):
            explanation = f"{exc.detail} Ga terug, laad de pagina opnieuw en probeer het nog eens."
        return error_page(request, exc.status, explanation)
    if isinstance(exc, ProblemError):
        return error_page(request, exc.status)
    if isinstance(exc, StarletteHTTPException):
        return error_page(request, exc.status_code)
    if isinstance(exc, RequestValidationError):
        # a malformed id in a page's path names nothing that exists
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return error_page(request, 404 if in_path else 400)
    logger.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)


def install_page_errors(app: FastAPI) -> None:
    """Wrap the app's problem handlers (installed first) so browsers get pages."""

    async def on_redirect(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Redirect)
        return RedirectResponse(exc.location, status_code=303)

    app.add_exception_handler(Redirect, on_redirect)
    for kind in (ProblemError, StarletteHTTPException, RequestValidationError, Exception):
        original: Handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, original: Handler = original) -> Response:
            if wants_page(request):
                return _page_for(request, exc)
            answer = original(request, exc)
            return await answer if inspect.isawaitable(answer) else answer

        app.add_exception_handler(kind, handler)
