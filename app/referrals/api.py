"""Routes for referrals: thin, they read the request, call the service, shape the answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.auth import CurrentOrg, CurrentSchuldeiser
from app.db import SessionDep
from app.http import problem_response, read_body, read_valid_message, wants_xml
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.openapi import message_request_body, problem_responses
from app.referrals import access, intake, views
from app.schemas import (
    DoorverwijzingView,
    Ontvangstbevestiging,
)

router = APIRouter(prefix="/doorverwijzingen", tags=["doorverwijzingen"])


@router.post(
    "",
    status_code=201,
    response_model=Ontvangstbevestiging,
    summary="Send a warm referral",
    description=(
        "Takes a Doorverwijzing (JSON or XML, specification v1), routes it by postcode and house "
        "number, starts the 30-day collection hold and answers with an Ontvangstbevestiging. "
        "Sending the same berichtId again returns the original answer."
    ),
    openapi_extra={"requestBody": message_request_body("Doorverwijzing")},
    responses={
        201: {
            "description": "Stored; the Ontvangstbevestiging",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "The referral"}},
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        **problem_responses(400, 401, 403, 409, 413, 415, 422),
    },
)
async def post_doorverwijzing(
    request: Request,
    session: SessionDep,
    schuldeiser: CurrentSchuldeiser,
    body: Annotated[bytes, Depends(read_body)],
) -> Response:
    message = await read_valid_message(request, MessageKind.DOORVERWIJZING, body)
    outcome = await intake.receive(
        session, schuldeiser=schuldeiser, message=message.data, routing=request.app.state.routing
    )
    if isinstance(outcome, intake.Rejected):
        # returned, not raised: the anonymous count of the refusal must be committed
        return problem_response(outcome.error, request)
    referral = outcome.referral
    headers = {"Location": f"/v1/doorverwijzingen/{referral.id}"}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    acknowledgement = referral.ontvangstbevestiging
    if wants_xml(request):
        ack_spec = spec(MessageKind.ONTVANGSTBEVESTIGING)
        return Response(
            xml.to_xml(ack_spec, acknowledgement),
            status_code=201,
            media_type="application/xml",
            headers=headers,
        )
    return JSONResponse(acknowledgement, status_code=201, headers=headers)


@router.get(
    "/{doorverwijzing_id}",
    response_model=DoorverwijzingView,
    summary="Read a referral",
    description="Visible to the creditor that sent it and the uitvoerder it was routed to; 404 otherwise. "
    "The creditor sees the partner-visible status only.",
    responses=problem_responses(400, 401, 404),
)
async def get_doorverwijzing(
    doorverwijzing_id: uuid.UUID, session: SessionDep, organisation: CurrentOrg
) -> DoorverwijzingView:
    referral = await access.get_visible(session, organisatie=organisation, referral_id=doorverwijzing_id)
    return await views.referral_view(session, organisation, referral)
