"""Who is calling: an organisation identified by its API key (`Authorization: Bearer …`)."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db import SessionDep
from app.errors import Forbidden, Unauthenticated
from app.organisations.models import Organisatie, Rol
from app.organisations.service import note_key_use, organisatie_for_key

bearer = HTTPBearer(auto_error=False, description="The API key of your organisation")


async def current_organisatie(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Organisatie:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send your API key as Authorization: Bearer <key>")
    organisatie = await organisatie_for_key(session, credentials.credentials)
    if organisatie is None:
        raise Unauthenticated("this API key is not known, was revoked or has expired")
    await note_key_use(session, credentials.credentials)
    return organisatie


async def current_schuldeiser(
    organisatie: Annotated[Organisatie, Depends(current_organisatie)],
) -> Organisatie:
    if organisatie.rol != Rol.SCHULDEISER:
        raise Forbidden("only a schuldeiser can do this")
    return organisatie


CurrentOrg = Annotated[Organisatie, Depends(current_organisatie)]
CurrentSchuldeiser = Annotated[Organisatie, Depends(current_schuldeiser)]
