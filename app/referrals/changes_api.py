"""Routes that change a referral or show its history. Messages arrive in JSON or XML (spec v1)."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentOrg
from app.db import SessionDep
from app.errors import DuplicateBerichtId
from app.http import read_body, read_valid_message, wants_xml
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import Message
from app.openapi import message_request_body, problem_responses
from app.organisations.models import Organisatie, Rol
from app.referrals import access, changes, extension, views
from app.referrals.models import Doorverwijzing, OntvangenBericht
from app.schemas import DoorverwijzingView, Tijdlijn, VerlengingsverzoekView

router = APIRouter(prefix="/doorverwijzingen/{doorverwijzing_id}", tags=["levensloop"])

Body = Annotated[bytes, Depends(read_body)]
CHANGE_PROBLEMS = problem_responses(400, 401, 404, 409, 413, 415)


@dataclass(frozen=True)
class Incoming:
    referral: Doorverwijzing
    message: Message
    receipt: OntvangenBericht
    repeat: bool


async def _incoming(
    request: Request,
    response: Response,
    session: AsyncSession,
    organisation: Organisatie,
    *,
    referral_id: uuid.UUID,
    body: bytes,
    kind: MessageKind,
    role: Rol,
    actie: str,
) -> Incoming:
    """The locked referral the caller may change in this role (404 otherwise), the validated
    message, and whether this berichtId was handled before (then marked Idempotent-Replayed)."""
    # validated before the referral is locked: no lock is held while a message is checked
    message = await read_valid_message(request, kind, body)
    referral = await changes.referral_as(
        session, organisatie=organisation, referral_id=referral_id, role=role, actie=actie
    )
    receipt, repeat = await changes.receive_once(
        session, organisatie=organisation, referral=referral, kind=kind, message=message.data
    )
    if repeat:
        response.headers["Idempotent-Replayed"] = "true"
    return Incoming(referral, message, receipt, repeat)


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
    incoming = await _incoming(
        request,
        response,
        session,
        organisation,
        referral_id=doorverwijzing_id,
        body=body,
        kind=MessageKind.STATUSMELDING,
        role=Rol.UITVOERDER,
        actie="status melden",
    )
    if not incoming.repeat:
        await changes.report_status(
            session,
            uitvoerder=organisation,
            referral=incoming.referral,
            message=incoming.message.data,
            routing=request.app.state.routing,
            is_xml=incoming.message.is_xml,
        )
    return await views.referral_view(session, organisation, incoming.referral)


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
    incoming = await _incoming(
        request,
        response,
        session,
        organisation,
        referral_id=doorverwijzing_id,
        body=body,
        kind=MessageKind.INTREKKING,
        role=Rol.SCHULDEISER,
        actie="intrekken",
    )
    if not incoming.repeat:
        changes.withdraw(
            session, schuldeiser=organisation, referral=incoming.referral, message=incoming.message.data
        )
    return await views.referral_view(session, organisation, incoming.referral)


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
    incoming = await _incoming(
        request,
        response,
        session,
        organisation,
        referral_id=doorverwijzing_id,
        body=body,
        kind=MessageKind.BETALINGSHERSTEL,
        role=Rol.SCHULDEISER,
        actie="betalingsherstel melden",
    )
    if not incoming.repeat:
        changes.report_payment_recovery(
            session, schuldeiser=organisation, referral=incoming.referral, message=incoming.message.data
        )
    return await views.referral_view(session, organisation, incoming.referral)


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
    doorverwijzing_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    organisation: CurrentOrg,
    body: Body,
) -> VerlengingsverzoekView:
    incoming = await _incoming(
        request,
        response,
        session,
        organisation,
        referral_id=doorverwijzing_id,
        body=body,
        kind=MessageKind.VERLENGINGSVERZOEK,
        role=Rol.UITVOERDER,
        actie="verlenging vragen",
    )
    if incoming.repeat:
        verzoek = await extension.extension(session, incoming.referral, incoming.receipt.resultaat_id)
    else:
        verzoek = await extension.request_extension(
            session,
            uitvoerder=organisation,
            referral=incoming.referral,
            message=incoming.message.data,
            is_xml=incoming.message.is_xml,
        )
        incoming.receipt.resultaat_id = verzoek.id
    response.headers["Location"] = (
        f"/v1/doorverwijzingen/{doorverwijzing_id}/verlengingsverzoeken/{verzoek.id}"
    )
    return views.extension_view(verzoek)


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
    return views.extension_view(await extension.extension(session, referral, verzoek_id))


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
    incoming = await _incoming(
        request,
        response,
        session,
        organisation,
        referral_id=doorverwijzing_id,
        body=body,
        kind=MessageKind.VERLENGINGSANTWOORD,
        role=Rol.SCHULDEISER,
        actie="verlenging beantwoorden",
    )
    if incoming.repeat:
        if incoming.receipt.resultaat_id != verzoek_id:
            raise DuplicateBerichtId("this berichtId already answered another extension request")
        return views.extension_view(await extension.extension(session, incoming.referral, verzoek_id))
    incoming.receipt.resultaat_id = verzoek_id
    answered = await extension.answer_extension(
        session,
        schuldeiser=organisation,
        referral=incoming.referral,
        verzoek_id=verzoek_id,
        message=incoming.message.data,
        is_xml=incoming.message.is_xml,
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
