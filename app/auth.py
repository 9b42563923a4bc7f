"""Who is calling: an organisation identified by its API key (`Authorization: Bearer …`).

The key is looked up in a short read-only session of its own, so no request transaction or
lock is held while the body is still arriving. Each key has a request budget, and an address
that keeps presenting unknown keys is refused for a while (app.ratelimit)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db import read_session
from app.errors import Forbidden, TooManyRequests, Unauthenticated
from app.http import client_address
from app.organisations.models import Organisatie, Rol
from app.organisations.service import hash_key, key_use_due, note_key_use, organisatie_for_key
from app.ratelimit import Limits

bearer = HTTPBearer(auto_error=False, description="The API key of your organisation")


async def current_organisatie(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Organisatie:
    limits: Limits = request.app.state.limits
    address = client_address(request.scope)
    if (wait := limits.failed_auth.exhausted(address)) is not None:
        raise TooManyRequests("too many unknown API keys from this address", retry_after=wait)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send your API key as Authorization: Bearer <key>")
    if (wait := limits.per_key.take(hash_key(credentials.credentials))) is not None:
        raise TooManyRequests("this API key has used its requests for now", retry_after=wait)
    async with read_session(request) as session:
        organisatie = await organisatie_for_key(session, credentials.credentials)
    if organisatie is None:
        limits.failed_auth.take(address)
        raise Unauthenticated("this API key is not known, was revoked or has expired")
    if key_use_due(credentials.credentials):  # at most once a minute per key, in a short write of its own
        async with request.app.state.sessionmaker() as writer, writer.begin():
            await note_key_use(writer, credentials.credentials)
    return organisatie


async def current_schuldeiser(
    organisatie: Annotated[Organisatie, Depends(current_organisatie)],
) -> Organisatie:
    if organisatie.rol != Rol.SCHULDEISER:
        raise Forbidden("only a schuldeiser can do this")
    return organisatie


CurrentOrg = Annotated[Organisatie, Depends(current_organisatie)]
CurrentSchuldeiser = Annotated[Organisatie, Depends(current_schuldeiser)]
