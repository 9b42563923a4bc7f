"""Logging in and out, choosing the organisation to act for, the start page and one's password."""

import asyncio
import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import passwords, sessions
from app.accounts import service as accounts
from app.accounts.dependencies import (
    Aanmelding,
    Redirect,
    clear_session_cookie,
    csrf_checked,
    current_aanmelding,
    current_session,
    lifetimes,
    login_limits,
    session_csrf_checked,
    set_session_cookie,
)
from app.accounts.models import Gebruiker, Lidmaatschap, Sessie
from app.db import SessionDep
from app.http import AppSettings
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(volgende: str | None) -> str:
    """Only a path on this site (never //host or a full URL) is followed after login."""
    if volgende and volgende.startswith("/") and not volgende.startswith("//") and "\\" not in volgende:
        return volgende
    return "/start"


def _logged_in_response(location: str, token: str, settings: AppSettings) -> Response:
    response = RedirectResponse(location, status_code=303)
    set_session_cookie(response, token, settings)
    return response


@router.get("/")
async def landing(request: Request, sessie: Annotated[Sessie | None, Depends(current_session)]) -> Response:
    return render(
        request,
        "landing.html",
        {"title": "Welkom", "ingelogd": bool(sessie and sessie.gebruiker_id)},
    )


@router.get("/inloggen")
async def login_form(
    request: Request,
    session: SessionDep,
    settings: AppSettings,
    sessie: Annotated[Sessie | None, Depends(current_session)],
    volgende: str = "",
    uitgelogd: bool = False,
) -> Response:
    if sessie is not None and sessie.lidmaatschap_id is not None:
        return RedirectResponse(safe_next(volgende), status_code=303)
    token = None
    if sessie is None:  # an anonymous session carries the login form's CSRF token
        token, sessie = await sessions.start(session, lifetimes=lifetimes(settings), now=datetime.now(UTC))
        request.state.sessie, request.state.csrf_token = sessie, sessie.csrf_token
    response = render(
        request,
        "inloggen.html",
        {"title": "Inloggen", "volgende": volgende, "uitgelogd": uitgelogd, "email": ""},
    )
    if token:
        set_session_cookie(response, token, settings)
    return response


@router.post("/inloggen")
async def login(
    request: Request,
    session: SessionDep,
    settings: AppSettings,
    sessie: Annotated[Sessie, Depends(session_csrf_checked)],
    email: Annotated[str, Form(max_length=254)] = "",
    wachtwoord: Annotated[str, Form(max_length=200)] = "",
    volgende: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    now = datetime.now(UTC)
    outcome = await accounts.log_in(
        session,
        email=email,
        wachtwoord=wachtwoord,
        adres=request.client.host if request.client else "onbekend",
        limits=login_limits(settings),
        now=now,
    )
    context = {"title": "Inloggen", "volgende": volgende, "email": email, "uitgelogd": False}
    if isinstance(outcome, accounts.Throttled):
        wait = max(1, math.ceil((outcome.until - now).total_seconds() / 60))
        who = "dit account" if outcome.per_account else "deze verbinding"
        context["melding"] = (
            f"Te veel mislukte inlogpogingen voor {who}. Probeer het over {wait} minuten opnieuw"
            + (", of vraag uw beheerder om een nieuw wachtwoord." if outcome.per_account else ".")
        )
        retry = str(int((outcome.until - now).total_seconds()) + 1)
        return render(request, "inloggen.html", context, status_code=429, headers={"Retry-After": retry})
    if isinstance(outcome, accounts.WrongCredentials):
        context["melding"] = "Het e-mailadres of het wachtwoord klopt niet."
        return render(request, "inloggen.html", context, status_code=401)
    # a new session at login (never the anonymous one: no session fixation)
    await sessions.end(session, sessie)
    roles = await accounts.memberships(session, outcome.gebruiker)
    only = roles[0][0].id if len(roles) == 1 else None
    token, _ = await sessions.start(
        session,
        lifetimes=lifetimes(settings),
        now=now,
        gebruiker_id=outcome.gebruiker.id,
        lidmaatschap_id=only,
    )
    location = safe_next(volgende) if only else "/organisatie-kiezen"
    return _logged_in_response(location, token, settings)


async def _person(session: SessionDep, sessie: Sessie | None) -> Gebruiker:
    if sessie is None or sessie.gebruiker_id is None:
        raise Redirect("/inloggen")
    gebruiker = await session.get(Gebruiker, sessie.gebruiker_id)
    if gebruiker is None or not gebruiker.actief:
        raise Redirect("/inloggen")
    return gebruiker


@router.get("/organisatie-kiezen")
async def choose_form(
    request: Request, session: SessionDep, sessie: Annotated[Sessie | None, Depends(current_session)]
) -> Response:
    gebruiker = await _person(session, sessie)
    roles = await accounts.memberships(session, gebruiker)
    return render(
        request,
        "organisatie_kiezen.html",
        {"title": "Kies een organisatie", "rollen": roles, "gebruiker": gebruiker},
    )


@router.post("/organisatie-kiezen")
async def choose(
    session: SessionDep,
    sessie: Annotated[Sessie, Depends(session_csrf_checked)],
    lidmaatschap: Annotated[uuid.UUID | None, Form()] = None,
) -> Response:
    gebruiker = await _person(session, sessie)
    allowed = {role.id for role, _ in await accounts.memberships(session, gebruiker)}
    if lidmaatschap not in allowed:
        return RedirectResponse("/organisatie-kiezen", status_code=303)
    sessie.lidmaatschap_id = lidmaatschap
    return RedirectResponse("/start", status_code=303)


@router.post("/uitloggen")
async def logout(
    session: SessionDep, settings: AppSettings, sessie: Annotated[Sessie, Depends(session_csrf_checked)]
) -> Response:
    await sessions.end(session, sessie)
    response = RedirectResponse("/inloggen?uitgelogd=true", status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/start")
async def start(request: Request, aanmelding: Annotated[Aanmelding, Depends(current_aanmelding)]) -> Response:
    """Each role's first page: the creditor's referrals, the uitvoerder's queue."""
    if aanmelding.is_schuldeiser:
        return RedirectResponse("/meldpunt", status_code=303)
    if aanmelding.is_uitvoerder:
        return RedirectResponse("/werkvoorraad", status_code=303)
    return render(request, "start.html", {"title": "Start"})


@router.get("/wachtwoord")
async def password_form(
    request: Request, aanmelding: Annotated[Aanmelding, Depends(current_aanmelding)]
) -> Response:
    return render(request, "wachtwoord.html", {"title": "Wachtwoord wijzigen", "nav": "wachtwoord"})


@router.post("/wachtwoord")
async def change_password(
    request: Request,
    session: SessionDep,
    settings: AppSettings,
    aanmelding: Annotated[Aanmelding, Depends(csrf_checked)],
    huidig: Annotated[str, Form(max_length=200)] = "",
    nieuw: Annotated[str, Form(max_length=400)] = "",
    herhaling: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    fouten: dict[str, str] = {}
    if not await asyncio.to_thread(passwords.verify, aanmelding.gebruiker.wachtwoord_hash, huidig):
        fouten["huidig"] = "Uw huidige wachtwoord klopt niet."
    if reason := passwords.problem(nieuw):
        fouten["nieuw"] = reason
    elif nieuw != herhaling:
        fouten["herhaling"] = "De twee nieuwe wachtwoorden zijn niet gelijk."
    context: dict[str, Any] = {"title": "Wachtwoord wijzigen", "nav": "wachtwoord", "fouten": fouten}
    if fouten:
        return render(request, "wachtwoord.html", context, status_code=400)
    lidmaatschap: Lidmaatschap = aanmelding.lidmaatschap
    await accounts.set_password(session, aanmelding.gebruiker, nieuw)  # ends every session
    token, sessie = await sessions.start(
        session,
        lifetimes=lifetimes(settings),
        now=datetime.now(UTC),
        gebruiker_id=aanmelding.gebruiker.id,
        lidmaatschap_id=lidmaatschap.id,
    )
    request.state.csrf_token = sessie.csrf_token  # the new session's forms
    context["gewijzigd"] = True
    response = render(request, "wachtwoord.html", context)
    set_session_cookie(response, token, settings)
    return response
