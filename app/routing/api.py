"""Where would a referral go? Answers without storing anything."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app import clocks
from app.auth import CurrentOrg
from app.db import SessionDep
from app.errors import InvalidMessage, NotRoutable, Violation
from app.http import json_body, openapi_json_body
from app.openapi import problem_responses
from app.routing.destination import destination
from app.routing.postcode import InvalidPostcode, normalise
from app.routing.service import RoutingCache
from app.schemas import Adres, GemeenteRef, OrganisatieRef, RouteringAntwoord, RouteringUitleg

router = APIRouter(prefix="/routering", tags=["routering"])


@router.post(
    "",
    response_model=RouteringAntwoord,
    summary="Find the gemeente and uitvoerder for an address",
    description=(
        "The address travels in the body, never in the URL. Nothing is stored. A postcode area "
        "that crosses a municipal border is answered with a majority routing, flagged as such."
    ),
    openapi_extra={"requestBody": openapi_json_body(Adres)},
    responses=problem_responses(400, 401, 413, 415, 422),
)
async def post_routering(
    request: Request,
    session: SessionDep,
    _organisatie: CurrentOrg,
    adres: Annotated[Adres, Depends(json_body(Adres))],
) -> RouteringAntwoord:
    try:
        postcode = normalise(adres.postcode)
    except InvalidPostcode:
        raise InvalidMessage(
            violations=[Violation("/postcode", "is not a postcode that can exist", "postcode")]
        ) from None
    cache: RoutingCache = request.app.state.routing
    today = clocks.vandaag(datetime.now(UTC))
    found = await destination(session, cache, postcode=postcode, huisnummer=adres.huisnummer, on=today)
    if found is None:
        raise NotRoutable("no gemeente is known for this postcode and house number")
    routering, uitvoerder = found.routering, found.uitvoerder
    return RouteringAntwoord(
        gemeente=GemeenteRef(code=routering.gemeentecode, naam=routering.gemeentenaam),
        uitvoerder=OrganisatieRef(id=uitvoerder.id, naam=uitvoerder.naam) if uitvoerder else None,
        routering=RouteringUitleg.of(routering),
    )
