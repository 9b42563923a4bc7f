"""Routes that change a referral or show its history. Messages arrive in JSON or XML (spec v1);
each route reads its message through a dependency and hands it to `inbound.apply`."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.auth import CurrentOrg, current_organisatie
from app.db import SessionDep
from app.http import message_body, routing_of, wants_xml
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import Message
from app.openapi import message_request_body, problem_responses
from app.organisations.models import Rol
from app.referrals import access, extension, inbound, views
from app.routing.service import RoutingCache
from app.schemas import DoorverwijzingView, Tijdlijn, VerlengingsverzoekView

# authentication comes first, then the message is read and validated, then the transaction opens
router = APIRouter(
    prefix="/doorverwijzingen/{doorverwijzing_id}",
    tags=["levensloop"],
    dependencies=[Depends(current_organisatie)],
)

CHANGE_PROBLEMS = problem_responses(400, 401, 404, 409, 413, 415)


@dataclass(frozen=True)
class Change:
    """The caller's side of a change: who sends, in which transaction, and the response to mark."""

    session: SessionDep
    organisatie: CurrentOrg
    routing: Annotated[RoutingCache, Depends(routing_of)]
    response: Response

    async def apply(
        self,
        doorverwijzing_id: uuid.UUID,
        kind: MessageKind,
        message: Message,
        target_id: uuid.UUID | None = None,
    ) -> inbound.Applied:
        applied = await inbound.apply(
            self.session,
            organisatie=self.organisatie,
            doorverwijzing=doorverwijzing_id,
            kind=kind,
            message=message,
            routing=self.routing,
            target_id=target_id,
        )
        if applied.repeat:
            self.response.headers["Idempotent-Replayed"] = "true"
        return applied

    async def view(self, applied: inbound.Applied) -> DoorverwijzingView:
        return await views.doorverwijzing_view(self.session, self.organisatie, applied.doorverwijzing)

    async def extension_view(self, applied: inbound.Applied) -> VerlengingsverzoekView:
        found = await extension.extension(self.session, applied.doorverwijzing, applied.result_id)
        return views.extension_view(found)


ChangeDep = Annotated[Change, Depends()]
Statusmelding = Annotated[Message, Depends(message_body(MessageKind.STATUSMELDING))]
Intrekking = Annotated[Message, Depends(message_body(MessageKind.INTREKKING))]
Betalingsherstel = Annotated[Message, Depends(message_body(MessageKind.BETALINGSHERSTEL))]
IngrijpendeMaatregel = Annotated[Message, Depends(message_body(MessageKind.INGRIJPENDE_MAATREGEL))]
Verlengingsverzoek = Annotated[Message, Depends(message_body(MessageKind.VERLENGINGSVERZOEK))]
Verlengingsantwoord = Annotated[Message, Depends(message_body(MessageKind.VERLENGINGSANTWOORD))]


@router.post(
    "/statusmeldingen",
    response_model=DoorverwijzingView,
    summary="Report a status or a contact attempt (uitvoerder)",
    description=(
        "Only the uitvoerder the referral was routed to. A reached contact attempt moves the referral "
        "to contact_gelegd. With reden 'Persoon is geen inwoner (meer) in de gemeente' and a nieuwAdres "
        "the referral is routed again. An illegal transition is 409 naming the allowed next statuses."
    ),
    openapi_extra={"requestBody": message_request_body("Statusmelding")},
    responses=CHANGE_PROBLEMS,
)
async def post_statusmelding(
    doorverwijzing_id: uuid.UUID, message: Statusmelding, change: ChangeDep
) -> DoorverwijzingView:
    return await change.view(await change.apply(doorverwijzing_id, MessageKind.STATUSMELDING, message))


@router.post(
    "/intrekking",
    response_model=DoorverwijzingView,
    summary="Withdraw a referral (creditor)",
    openapi_extra={"requestBody": message_request_body("Intrekking")},
    responses=CHANGE_PROBLEMS,
)
async def post_intrekking(
    doorverwijzing_id: uuid.UUID, message: Intrekking, change: ChangeDep
) -> DoorverwijzingView:
    return await change.view(await change.apply(doorverwijzing_id, MessageKind.INTREKKING, message))


@router.post(
    "/betalingsherstel",
    response_model=DoorverwijzingView,
    summary="Report that payments resumed, the arrears are cleared, or payments did not resume (creditor)",
    description=(
        "Every report is kept (betalingsherstel in the view); betalingsherstelOp is the first day "
        "payments were reported resumed. A datum before the day the referral was received is a 400."
    ),
    openapi_extra={"requestBody": message_request_body("Betalingsherstel")},
    responses=CHANGE_PROBLEMS,
)
async def post_betalingsherstel(
    doorverwijzing_id: uuid.UUID, message: Betalingsherstel, change: ChangeDep
) -> DoorverwijzingView:
    return await change.view(await change.apply(doorverwijzing_id, MessageKind.BETALINGSHERSTEL, message))


@router.post(
    "/ingrijpende-maatregelen",
    response_model=DoorverwijzingView,
    summary="Report a drastic collection measure (creditor)",
    description=(
        "Disconnection or restriction of water or energy, an eviction announced or carried out, a "
        "handover to a bailiff or collection agency. The uitvoerder is told. A measure taken while "
        "the collection hold ran is accepted and flagged as a breach of the hold "
        "(tijdensIncassostop). A datum before the day the referral was received is a 400."
    ),
    openapi_extra={"requestBody": message_request_body("IngrijpendeMaatregel")},
    responses=CHANGE_PROBLEMS,
)
async def post_ingrijpende_maatregel(
    doorverwijzing_id: uuid.UUID, message: IngrijpendeMaatregel, change: ChangeDep
) -> DoorverwijzingView:
    return await change.view(
        await change.apply(doorverwijzing_id, MessageKind.INGRIJPENDE_MAATREGEL, message)
    )


@router.post(
    "/verlengingsverzoeken",
    status_code=201,
    response_model=VerlengingsverzoekView,
    summary="Ask the creditor to extend the collection hold (uitvoerder)",
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string"}, "description": "The request"}}},
        **CHANGE_PROBLEMS,
    },
    openapi_extra={"requestBody": message_request_body("Verlengingsverzoek")},
)
async def post_verlengingsverzoek(
    doorverwijzing_id: uuid.UUID, message: Verlengingsverzoek, change: ChangeDep
) -> VerlengingsverzoekView:
    applied = await change.apply(doorverwijzing_id, MessageKind.VERLENGINGSVERZOEK, message)
    change.response.headers["Location"] = (
        f"/v1/doorverwijzingen/{doorverwijzing_id}/verlengingsverzoeken/{applied.result_id}"
    )
    return await change.extension_view(applied)


@router.get(
    "/verlengingsverzoeken/{verzoek_id}",
    response_model=VerlengingsverzoekView,
    summary="Read an extension request and its answer",
    responses=problem_responses(400, 401, 404),
)
async def get_verlengingsverzoek(
    doorverwijzing_id: uuid.UUID, verzoek_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg
) -> VerlengingsverzoekView:
    doorverwijzing = await access.get_visible(
        session, organisatie=organisatie, doorverwijzing_id=doorverwijzing_id
    )
    return views.extension_view(await extension.extension(session, doorverwijzing, verzoek_id))


@router.post(
    "/verlengingsverzoeken/{verzoek_id}/antwoord",
    response_model=VerlengingsverzoekView,
    summary="Agree to or refuse an extension of the collection hold (creditor)",
    openapi_extra={"requestBody": message_request_body("Verlengingsantwoord")},
    responses=CHANGE_PROBLEMS,
)
async def post_verlengingsantwoord(
    doorverwijzing_id: uuid.UUID, verzoek_id: uuid.UUID, message: Verlengingsantwoord, change: ChangeDep
) -> VerlengingsverzoekView:
    applied = await change.apply(
        doorverwijzing_id, MessageKind.VERLENGINGSANTWOORD, message, target_id=verzoek_id
    )
    return await change.extension_view(applied)


@router.get(
    "/tijdlijn",
    response_model=Tijdlijn,
    summary="The history of a referral",
    description="The uitvoerder sees everything including its own internal notes; the creditor only "
    "what the privacy projection lets through.",
    responses=problem_responses(400, 401, 404),
)
async def get_tijdlijn(
    doorverwijzing_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg
) -> Tijdlijn:
    doorverwijzing = await access.get_visible(
        session, organisatie=organisatie, doorverwijzing_id=doorverwijzing_id
    )
    return await views.timeline(session, organisatie, doorverwijzing)


@router.get(
    "/terugmelding",
    summary="The Terugmelding: the creditor's view of the current state (creditor)",
    responses={
        200: {
            "description": "The Terugmelding message (JSON, or XML when Accept asks)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Terugmelding"}},
                "application/xml": {"schema": {"$ref": "#/components/schemas/Terugmelding"}},
            },
        },
        **problem_responses(400, 401, 404),
    },
)
async def get_terugmelding(
    doorverwijzing_id: uuid.UUID, request: Request, session: SessionDep, organisatie: CurrentOrg
) -> Response:
    doorverwijzing = await access.for_party(
        session,
        organisatie=organisatie,
        doorverwijzing_id=doorverwijzing_id,
        rol=Rol.SCHULDEISER,
        actie="lezen",
        lock=False,
    )
    message = views.terugmelding(doorverwijzing)
    if wants_xml(request):
        return Response(xml.to_xml(spec(MessageKind.TERUGMELDING), message), media_type="application/xml")
    return JSONResponse(message)
