"""The account layer as FastAPI dependencies, for every page (meldpunt, werkvoorraad, beheer, and
the monitoring dashboard): who is logged in, in which role, and the CSRF check of every form.

    @router.get("/monitor")
    async def dashboard(aanmelding: Annotated[Aanmelding, Depends(require(Rol.EVALUATOR))]): ...

    @router.post("/beheer/iets")
    async def change(aanmelding: Annotated[Aanmelding, Depends(require(Rol.BEHEERDER, csrf=True))]): ...

A person not logged in is sent to /inloggen (and back afterwards); a wrong role is 403; a POST
without the session's CSRF token is 403.
"""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from app.accounts import sessions
from app.accounts.models import Gebruiker, Lidmaatschap, Rol, Sessie
from app.accounts.service import LoginLimits
from app.accounts.throttle import Limits
from app.config import Settings
from app.db import SessionDep
from app.errors import Forbidden
from app.http import AppSettings
from app.organisations.models import Organisatie
from app.organisations.models import Rol as OrganisatieRol

CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/inloggen"
CHOOSE_PATH = "/organisatie-kiezen"


class Redirect(Exception):
    """Send the browser elsewhere (to log in, or to choose an organisation first)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class CsrfRefused(Forbidden):
    slug = "csrf-token-ongeldig"
    title = "The form's CSRF token is missing or does not belong to this session"


class RoleRefused(Forbidden):
    slug = "rol-niet-toegestaan"
    title = "Your role does not allow this page"


def cookie_name(settings: Settings) -> str:
    # __Host-: the browser takes it only over https, for this host and path / (no subdomain can set it)
    return "__Host-wdv-sessie" if settings.session_cookie_secure else "wdv-sessie"


def lifetimes(settings: Settings) -> sessions.Lifetimes:
    return sessions.Lifetimes(
        absolute=timedelta(minutes=settings.session_lifetime_minutes),
        idle=timedelta(minutes=settings.session_idle_minutes),
        anonymous=timedelta(minutes=min(60, settings.session_lifetime_minutes)),
    )


def login_limits(settings: Settings) -> LoginLimits:
    window = timedelta(minutes=settings.login_failure_window_minutes)
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    return LoginLimits(
        account=Limits(settings.login_max_failures_per_account, window, lockout),
        address=Limits(settings.login_max_failures_per_address, window, lockout),
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs), Secure unless
    the sandbox says otherwise; no Max-Age: it ends with the browser, the server ends it sooner."""
    response.set_cookie(
        cookie_name(settings),
        token,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), httponly=True, secure=settings.session_cookie_secure, samesite="lax", path="/"
    )


async def current_session(request: Request, session: SessionDep, settings: AppSettings) -> Sessie | None:
    """The live session of the request's cookie, if any (logged in or not)."""
    if hasattr(request.state, "sessie"):
        found: Sessie | None = request.state.sessie
        return found
    token = request.cookies.get(cookie_name(settings), "")
    found = await sessions.find(session, token, lifetimes=lifetimes(settings), now=datetime.now(UTC))
    request.state.sessie = found
    # kept as plain text: an error page is rendered after the database session rolled back
    request.state.csrf_token = found.csrf_token if found else ""
    return found


@dataclass(frozen=True)
class Wie:
    """Who is logged in, as plain values for the menu of every page (error pages included)."""

    naam: str
    organisatie: str
    rol: str
    is_schuldeiser: bool
    is_uitvoerder: bool
    is_beheerder: bool


@dataclass(frozen=True)
class Aanmelding:
    """A logged-in person acting in one role, for one organisation (none for an evaluator)."""

    sessie: Sessie
    gebruiker: Gebruiker
    lidmaatschap: Lidmaatschap
    organisatie: Organisatie | None

    @property
    def rol(self) -> Rol:
        return Rol(self.lidmaatschap.rol)

    @property
    def csrf_token(self) -> str:
        return self.sessie.csrf_token

    @property
    def is_beheerder(self) -> bool:
        return self.rol is Rol.BEHEERDER

    @property
    def is_schuldeiser(self) -> bool:
        return self.organisatie is not None and self.organisatie.rol == OrganisatieRol.SCHULDEISER

    @property
    def is_uitvoerder(self) -> bool:
        return self.organisatie is not None and self.organisatie.rol == OrganisatieRol.UITVOERDER

    def snapshot(self) -> Wie:
        return Wie(
            naam=self.gebruiker.naam,
            organisatie=self.organisatie.naam if self.organisatie else "Programmabureau",
            rol=self.rol.value,
            is_schuldeiser=self.is_schuldeiser,
            is_uitvoerder=self.is_uitvoerder,
            is_beheerder=self.is_beheerder,
        )


def _back_here(request: Request) -> str:
    """Where to return after logging in: this page when it was a plain GET."""
    if request.method != "GET":
        return LOGIN_PATH
    return f"{LOGIN_PATH}?volgende={request.url.path}"


async def current_aanmelding(
    request: Request, session: SessionDep, sessie: Annotated[Sessie | None, Depends(current_session)]
) -> Aanmelding:
    """The logged-in person; otherwise the browser goes to the login page (and back after)."""
    if sessie is None or sessie.gebruiker_id is None:
        raise Redirect(_back_here(request))
    gebruiker = await session.get(Gebruiker, sessie.gebruiker_id)
    if gebruiker is None or not gebruiker.actief:
        raise Redirect(_back_here(request))
    if sessie.lidmaatschap_id is None:
        raise Redirect(CHOOSE_PATH)
    lidmaatschap = await session.get(Lidmaatschap, sessie.lidmaatschap_id)
    if lidmaatschap is None or not lidmaatschap.actief:
        raise Redirect(_back_here(request))
    organisatie = (
        await session.get(Organisatie, lidmaatschap.organisatie_id) if lidmaatschap.organisatie_id else None
    )
    aanmelding = Aanmelding(sessie, gebruiker, lidmaatschap, organisatie)
    request.state.wie = aanmelding.snapshot()  # for the page's menu, also on an error page
    return aanmelding


def require(
    *rollen: Rol, organisatie_rol: OrganisatieRol | None = None, csrf: bool = False
) -> Callable[..., Awaitable[Aanmelding]]:
    """A dependency admitting only these roles (none given: medewerker and beheerder) and, when
    given, only people of that kind of organisation; with `csrf` (every POST) the form's token
    must be the session's first."""
    allowed = set(rollen) or {Rol.MEDEWERKER, Rol.BEHEERDER}

    async def dependency(
        request: Request, aanmelding: Annotated[Aanmelding, Depends(current_aanmelding)]
    ) -> Aanmelding:
        if csrf:
            await _check_token(request, aanmelding.csrf_token)
        if aanmelding.rol not in allowed:
            raise RoleRefused("Deze pagina hoort niet bij uw rol.")
        if organisatie_rol is not None and (
            aanmelding.organisatie is None or aanmelding.organisatie.rol != organisatie_rol
        ):
            raise RoleRefused("Deze pagina is voor een ander soort organisatie.")
        return aanmelding

    return dependency


async def _check_token(request: Request, expected: str) -> None:
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not given or not hmac.compare_digest(given, expected):
        raise CsrfRefused("Het formulier is verlopen of hoort niet bij uw sessie.")


async def csrf_checked(
    request: Request, aanmelding: Annotated[Aanmelding, Depends(current_aanmelding)]
) -> Aanmelding:
    """For every POST of a logged-in person: the form's token must be the session's (403 otherwise)."""
    await _check_token(request, aanmelding.csrf_token)
    return aanmelding


async def session_csrf_checked(
    request: Request, sessie: Annotated[Sessie | None, Depends(current_session)]
) -> Sessie:
    """For forms before login (the login form itself): the token of the anonymous session."""
    if sessie is None:
        raise CsrfRefused("Het formulier is verlopen; laad de pagina opnieuw.")
    await _check_token(request, sessie.csrf_token)
    return sessie


Ingelogd = Annotated[Aanmelding, Depends(current_aanmelding)]
FormVan = Annotated[Aanmelding, Depends(csrf_checked)]
