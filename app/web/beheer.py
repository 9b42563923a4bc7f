"""Pages for an organisation's administrator: the people of the organisation and its API keys.
Everything goes through the account and organisation services."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import passwords
from app.accounts import service as accounts
from app.accounts.dependencies import Aanmelding, require
from app.accounts.models import Rol
from app.db import SessionDep
from app.errors import NotFound
from app.organisations import service as organisations
from app.organisations.models import Organisatie
from app.web.templating import render

router = APIRouter(include_in_schema=False)
Beheerder = Annotated[Aanmelding, Depends(require(Rol.BEHEERDER))]
BeheerFormulier = Annotated[Aanmelding, Depends(require(Rol.BEHEERDER, csrf=True))]
ROLLEN = [(Rol.MEDEWERKER.value, "Medewerker"), (Rol.BEHEERDER.value, "Beheerder")]

# messages after a redirect, by key: a URL can only choose among these texts
MELDINGEN = {
    "gedeactiveerd": "De gebruiker is gedeactiveerd en overal uitgelogd.",
    "ingetrokken": "De API-sleutel is ingetrokken. Systemen die hem gebruiken krijgen nu 401.",
}


def organisatie_of(aanmelding: Aanmelding) -> Organisatie:
    assert aanmelding.organisatie is not None  # a beheerder always belongs to an organisation
    return aanmelding.organisatie


async def _users_page(
    request: Request,
    session: SessionDep,
    aanmelding: Aanmelding,
    *,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Gebruikers",
        "nav": "gebruikers",
        "leden": await accounts.members(session, organisatie_of(aanmelding)),
        "rollen": ROLLEN,
        "velden": {"rol": Rol.MEDEWERKER.value},
        "fouten": {},
        "ik": aanmelding.gebruiker.id,
    } | (extra or {})
    return render(request, "beheer/gebruikers.html", context, status_code=status_code)


@router.get("/beheer")
async def admin_home(_aanmelding: Beheerder) -> Response:
    return RedirectResponse("/beheer/gebruikers", status_code=303)


@router.get("/beheer/gebruikers")
async def users(request: Request, session: SessionDep, aanmelding: Beheerder, melding: str = "") -> Response:
    return await _users_page(request, session, aanmelding, extra={"melding": MELDINGEN.get(melding)})


@router.post("/beheer/gebruikers")
async def add_user(
    request: Request,
    session: SessionDep,
    aanmelding: BeheerFormulier,
    naam: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    rol: Annotated[str, Form(max_length=20)] = Rol.MEDEWERKER.value,
) -> Response:
    velden = {"naam": naam, "email": email, "rol": rol}
    fouten = {}
    if not naam.strip():
        fouten["naam"] = "Vul de naam in."
    if rol not in dict(ROLLEN):
        fouten["rol"] = "Kies medewerker of beheerder."
    if fouten:
        return await _users_page(
            request, session, aanmelding, extra={"velden": velden, "fouten": fouten}, status_code=400
        )
    wachtwoord = passwords.generate()
    try:
        added = await accounts.add_user(
            session,
            email=email,
            naam=naam,
            wachtwoord=wachtwoord,
            organisatie=organisatie_of(aanmelding),
            rol=Rol(rol),
            now=datetime.now(UTC),
        )
    except accounts.AccountError as exc:
        field = "email" if "e-mail" in str(exc).lower() or "@" in str(exc) else "naam"
        return await _users_page(
            request,
            session,
            aanmelding,
            extra={"velden": velden, "fouten": {field: str(exc)}},
            status_code=400,
        )
    toegevoegd = {"email": added.gebruiker.email, "wachtwoord": wachtwoord if added.new_account else None}
    return await _users_page(request, session, aanmelding, extra={"toegevoegd": toegevoegd})


@router.post("/beheer/gebruikers/{lidmaatschap_id}/deactiveren")
async def deactivate_user(
    request: Request, session: SessionDep, aanmelding: BeheerFormulier, lidmaatschap_id: uuid.UUID
) -> Response:
    try:
        await accounts.deactivate(
            session,
            organisatie=organisatie_of(aanmelding),
            lidmaatschap_id=lidmaatschap_id,
            door=aanmelding.gebruiker,
            now=datetime.now(UTC),
        )
    except accounts.AccountError as exc:
        return await _users_page(request, session, aanmelding, extra={"fout": str(exc)}, status_code=400)
    return RedirectResponse("/beheer/gebruikers?melding=gedeactiveerd", status_code=303)


# --- API keys --------------------------------------------------------------------------------


async def _keys_page(
    request: Request, session: SessionDep, aanmelding: Aanmelding, *, extra: dict[str, Any] | None = None
) -> Response:
    context = {
        "title": "API-sleutels",
        "nav": "api-sleutels",
        "sleutels": await organisations.keys(session, organisatie_of(aanmelding).id),
    } | (extra or {})
    return render(request, "beheer/api_sleutels.html", context)


@router.get("/beheer/api-sleutels")
async def keys(request: Request, session: SessionDep, aanmelding: Beheerder, melding: str = "") -> Response:
    return await _keys_page(request, session, aanmelding, extra={"melding": MELDINGEN.get(melding)})


@router.post("/beheer/api-sleutels")
async def create_key(
    request: Request,
    session: SessionDep,
    aanmelding: BeheerFormulier,
    omschrijving: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    omschrijving = omschrijving.strip() or f"aangemaakt door {aanmelding.gebruiker.naam}"
    key = await organisations.create_key(
        session, organisatie_id=organisatie_of(aanmelding).id, omschrijving=omschrijving
    )
    return await _keys_page(request, session, aanmelding, extra={"nieuwe_sleutel": key})


@router.post("/beheer/api-sleutels/{sleutel_id}/intrekken")
async def revoke_key(session: SessionDep, aanmelding: BeheerFormulier, sleutel_id: uuid.UUID) -> Response:
    found = await organisations.own_key(
        session, organisatie_id=organisatie_of(aanmelding).id, sleutel_id=sleutel_id
    )
    if found is None:
        raise NotFound("no API key with this id for this organisation")
    organisations.revoke_key(found, now=datetime.now(UTC))
    return RedirectResponse("/beheer/api-sleutels?melding=ingetrokken", status_code=303)
