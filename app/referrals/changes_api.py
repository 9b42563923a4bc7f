"""Routes that change a referral or show its history. Messages arrive in JSON or XML (spec v1)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.auth import CurrentOrg
from app.config import get_settings
from app.db import SessionDep
from app.http import read_body, wants_xml
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import Message, read_message
from app.openapi import message_request_body, problem_responses
from app.organisations.models import Rol
from app.referrals import access, changes, views
from app.schemas import DoorverwijzingView, Tijdlijn, VerlengingsverzoekView

router = APIRouter(prefix="/doorverwijzingen/{doorverwijzing_id}", tags=["levensloop"])

Body = Annotated[bytes, Depends(read_body)]
CHANGE_PROBLEMS = problem_responses(400, 401, 404, 409, 413, 415)


def _message(request: Request, kind: MessageKind, body: bytes) -> Message:
    return read_message(
        kind, body, request.headers.get("content-type"), max_depth=get_settings().max_message_depth
    )


def _replayed(response: Response, repeat: bool) -> None:
    if repeat:
        response.headers["Idempotent-Replayed"] = "true"


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
    doorverwijzing_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> DoorverwijzingView:
    referral = await changes.referral_as(
        session, organisatie=organisation, referral_id=doorverwijzing_id, role=Rol.UITVOERDER, actie="status"
    )
    message = _message(request, MessageKind.STATUSMELDING, body)
    _, repeat = await changes.receive_once(
        session,
        organisatie=organisation,
        referral=referral,
        kind=MessageKind.STATUSMELDING,
        message=message.data,
    )
    if not repeat:
        await changes.report_status(
            session,
            uitvoerder=organisation,
            referral=referral,
            message=message.data,
            routing=request.app.state.routing,
        )
    _replayed(response, repeat)
    return await views.referral_view(session, organisation, referral)


@router.post(
    "/intrekking",
    response_model=DoorverwijzingView,
    summary="Withdraw a referral (creditor)",
    openapi_extra={"requestBody": message_request_body("Intrekking")},
    responses=CHANGE_PROBLEMS,
)
async def post_intrekking(
    doorverwijzing_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> DoorverwijzingView:
    referral = await changes.referral_as(
        session,
        organisatie=organisation,
        referral_id=doorverwijzing_id,
        role=Rol.SCHULDEISER,
        actie="intrekken",
    )
    message = _message(request, MessageKind.INTREKKING, body)
    _, repeat = await changes.receive_once(
        session,
        organisatie=organisation,
        referral=referral,
        kind=MessageKind.INTREKKING,
        message=message.data,
    )
    if not repeat:
        changes.withdraw(session, schuldeiser=organisation, referral=referral, message=message.data)
    _replayed(response, repeat)
    return await views.referral_view(session, organisation, referral)


@router.post(
    "/betalingsherstel",
    response_model=DoorverwijzingView,
    summary="Report that payments resumed or the arrears are cleared (creditor)",
    openapi_extra={"requestBody": message_request_body("Betalingsherstel")},
    responses=CHANGE_PROBLEMS,
)
async def post_betalingsherstel(
    doorverwijzing_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> DoorverwijzingView:
    referral = await changes.referral_as(
        session,
        organisatie=organisation,
        referral_id=doorverwijzing_id,
        role=Rol.SCHULDEISER,
        actie="betalingsherstel",
    )
    message = _message(request, MessageKind.BETALINGSHERSTEL, body)
    _, repeat = await changes.receive_once(
        session,
        organisatie=organisation,
        referral=referral,
        kind=MessageKind.BETALINGSHERSTEL,
        message=message.data,
    )
    if not repeat:
        changes.report_payment_recovery(
            session, schuldeiser=organisation, referral=referral, message=message.data
        )
    _replayed(response, repeat)
    return await views.referral_view(session, organisation, referral)


@router.post(
    "/verlengingsverzoeken",
    status_code=201,
    response_model=VerlengingsverzoekView,
    summary="Ask the creditor to extend the collection hold (uitvoerder)",
    openapi_extra={"requestBody": message_request_body("Verlengingsverzoek")},
    responses=CHANGE_PROBLEMS,
)
async def post_verlengingsverzoek(
    doorverwijzing_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> VerlengingsverzoekView:
    referral = await changes.referral_as(
        session,
        organisatie=organisation,
        referral_id=doorverwijzing_id,
        role=Rol.UITVOERDER,
        actie="verlenging vragen",
    )
    message = _message(request, MessageKind.VERLENGINGSVERZOEK, body)
    receipt, repeat = await changes.receive_once(
        session,
        organisatie=organisation,
        referral=referral,
        kind=MessageKind.VERLENGINGSVERZOEK,
        message=message.data,
    )
    if repeat:
        _replayed(response, True)
        return views.extension_view(await changes.extension(session, referral, receipt.resultaat_id))
    extension = await changes.request_extension(
        session, uitvoerder=organisation, referral=referral, message=message.data, is_xml=message.is_xml
    )
    receipt.resultaat_id = extension.id
    response.headers["Location"] = f"/v1/doorverwijzingen/{referral.id}/verlengingsverzoeken/{extension.id}"
    return views.extension_view(extension)


@router.get(
    "/verlengingsverzoeken/{verzoek_id}",
    response_model=VerlengingsverzoekView,
    summary="Read an extension request and its answer",
    responses=problem_responses(400, 401, 404),
)
async def get_verlengingsverzoek(
    doorverwijzing_id: uuid.UUID, verzoek_id: uuid.UUID, session: SessionDep, organisation: CurrentOrg
) -> VerlengingsverzoekView:
    referral = await access.get_visible(session, organisatie=organisation, referral_id=doorverwijzing_id)
    return views.extension_view(await changes.extension(session, referral, verzoek_id))


@router.post(
    "/verlengingsverzoeken/{verzoek_id}/antwoord",
    response_model=VerlengingsverzoekView,
    summary="Agree to or refuse an extension of the collection hold (creditor)",
    openapi_extra={"requestBody": message_request_body("Verlengingsantwoord")},
    responses=CHANGE_PROBLEMS,
)
async def post_verlengingsantwoord(
    doorverwijzing_id: uuid.UUID,
    verzoek_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> VerlengingsverzoekView:
    referral = await changes.referral_as(
        session,
        organisatie=organisation,
        referral_id=doorverwijzing_id,
        role=Rol.SCHULDEISER,
        actie="verlenging beantwoorden",
    )
    message = _message(request, MessageKind.VERLENGINGSANTWOORD, body)
    _, repeat = await changes.receive_once(
        session,
        organisatie=organisation,
        referral=referral,
        kind=MessageKind.VERLENGINGSANTWOORD,
        message=message.data,
    )
    if repeat:
        _replayed(response, True)
        return views.extension_view(await changes.extension(session, referral, verzoek_id))
    answered = await changes.answer_extension(
        session,
        schuldeiser=organisation,
        referral=referral,
        verzoek_id=verzoek_id,
        message=message.data,
        is_xml=message.is_xml,
    )
    return views.extension_view(answered)


@router.get(
    "/tijdlijn",
    response_model=Tijdlijn,
    summary="The history of a referral",
    description="The uitvoerder sees everything including its own internal notes; the creditor only "
    "what the privacy projection lets through.",
    responses=problem_responses(400, 401, 404),
)
async def get_tijdlijn(
    doorverwijzing_id: uuid.UUID, session: SessionDep, organisation: CurrentOrg
) -> Tijdlijn:
    referral = await access.get_visible(session, organisatie=organisation, referral_id=doorverwijzing_id)
    return await views.timeline(session, organisation, referral)


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
    doorverwijzing_id: uuid.UUID, request: Request, session: SessionDep, organisation: CurrentOrg
) -> Response:
    referral = await changes.referral_as(
        session,
        organisatie=organisation,
        referral_id=doorverwijzing_id,
        role=Rol.SCHULDEISER,
        actie="lezen",
        lock=False,
    )
    message = views.terugmelding(referral)
    if wants_xml(request):
        return Response(xml.to_xml(spec(MessageKind.TERUGMELDING), message), media_type="application/xml")
    return JSONResponse(message)
