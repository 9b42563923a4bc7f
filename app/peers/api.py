"""The callback Vroegsignalering pushes status updates to, on behalf of the uitvoerder."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, Field

from app.auth import CurrentOrg
from app.clocks import utc_text
from app.db import SessionDep
from app.errors import InvalidMessage, TransitionNotAllowed
from app.http import json_body, openapi_json_body, routing_of
from app.messages.specs import MessageKind
from app.messages.validation import Message, data_violations
from app.openapi import problem_responses
from app.organisations.models import Rol
from app.peers import mapping
from app.referrals import access, inbound
from app.routing.service import RoutingCache
from app.schemas import ApiModel

router = APIRouter(prefix="/vroegsignalering", tags=["vroegsignalering"])


class Contactpoging(ApiModel):
    """A contact attempt in DDAS names (vroegsignaalzaak contactpogingen)."""

    soort: str = Field(description="DDAS EnumContactsoort")
    bereikt: bool = Field(description="The resident was reached in this attempt")
    datum: date
    dagdeel: str | None = Field(default=None, description="DDAS EnumDagdeel")


class Statusupdate(ApiModel):
    """A status update of a signal, as Vroegsignalering sends it (DDAS vocabulary)."""

    update_id: uuid.UUID
    signaal_id: uuid.UUID = Field(description="The signal's ID: the doorverwijzingId")
    tijdstip: AwareDatetime
    status: str | None = Field(default=None, description="DDAS EnumSignaalstatus")
    datum_opgepakt: date | None = Field(
        default=None, description="With status Opgepakt: the day the referral was picked up"
    )
    contactpogingen: list[Contactpoging] = Field(default_factory=list)
    resultaat: str | None = Field(default=None, description="DDAS EnumEindresultaat")
    toelichting: str | None = Field(default=None, max_length=4000)


class Verwerkt(ApiModel):
    doorverwijzing_id: uuid.UUID
    status: str
    toegepast: int = Field(description="Statusmeldingen applied")
    overgeslagen: list[str] = Field(description="Statuses that no longer apply (the referral is past them)")


@router.post(
    "/statusupdates",
    response_model=Verwerkt,
    summary="Receive a status update from Vroegsignalering (uitvoerder)",
    description=(
        "Each update becomes Statusmeldingen (contact attempts, then the signal status, then the "
        "result), applied like the uitvoerder's own. The same update pushed again changes nothing."
    ),
    openapi_extra={"requestBody": openapi_json_body(Statusupdate)},
    responses=problem_responses(400, 401, 404, 409, 413, 415),
)
async def post_statusupdate(
    organisatie: CurrentOrg,
    update: Annotated[Statusupdate, Depends(json_body(Statusupdate))],
    session: SessionDep,
    routing: Annotated[RoutingCache, Depends(routing_of)],
) -> Verwerkt:
    doorverwijzing = await access.for_party(
        session,
        organisatie=organisatie,
        doorverwijzing_id=update.signaal_id,
        rol=Rol.UITVOERDER,
        actie="status uit vroegsignalering",
    )
    # the update's own moment, so the same update pushed again gives the same messages
    messages = mapping.statusmeldingen(
        update.model_dump(mode="json", by_alias=True, exclude_none=True),
        verzonden_op=utc_text(update.tijdstip),
        contact_gelegd=doorverwijzing.contact_gelegd_op is not None,
    )
    applied, skipped = 0, []
    for message in messages:
        if violations := data_violations(MessageKind.STATUSMELDING, message):
            raise InvalidMessage("the update does not map onto a valid Statusmelding", violations=violations)
        try:
            outcome = await inbound.apply(
                session,
                organisatie=organisatie,
                doorverwijzing=doorverwijzing,
                kind=MessageKind.STATUSMELDING,
                message=Message(message, is_xml=False),
                routing=routing,
            )
        except TransitionNotAllowed:
            skipped.append(message.get("status", "contactpoging"))
            continue
        applied += 0 if outcome.repeat else 1
    return Verwerkt(
        doorverwijzing_id=doorverwijzing.id,
        status=doorverwijzing.status,
        toegepast=applied,
        overgeslagen=skipped,
    )
