"""Webhook subscriptions, the polling mailbox and failed deliveries of the calling organisation."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.auth import CurrentOrg
from app.db import SessionDep
from app.delivery import events, mailbox, service, subscriptions, targets
from app.delivery.models import Abonnement, Bezorging
from app.delivery.schemas import (
    AbonnementMetSecret,
    AbonnementView,
    Berichten,
    BezorgingView,
    NieuwAbonnement,
    Rotatie,
)
from app.errors import InvalidMessage, NotFound, Violation
from app.http import AppSettings, json_body, openapi_json_body
from app.openapi import problem_responses
from app.referrals.changes import confirm_delivery

router = APIRouter(tags=["bezorging"])


def _view(found: Abonnement) -> AbonnementView:
    return AbonnementView(
        id=found.id,
        url=found.url,
        soorten=found.event_types,
        actief=found.actief,
        uitgeschakeld_reden=found.uitgeschakeld_reden,
        aangemaakt_op=found.aangemaakt_op,
    )


@router.post(
    "/webhook-abonnementen",
    status_code=201,
    response_model=AbonnementMetSecret,
    summary="Subscribe a URL to events of this organisation",
    description="https only; private and loopback addresses are refused unless the service allows them.",
    openapi_extra={"requestBody": openapi_json_body(NieuwAbonnement)},
    responses=problem_responses(400, 401, 413, 415),
)
async def post_abonnement(
    session: SessionDep,
    organisatie: CurrentOrg,
    settings: AppSettings,
    body: Annotated[NieuwAbonnement, Depends(json_body(NieuwAbonnement))],
) -> AbonnementMetSecret:
    try:
        await targets.check(body.url, allow_local=settings.webhook_allow_local, ports=settings.webhook_ports)
    except targets.TargetRefused as exc:
        raise InvalidMessage(violations=[Violation("/url", str(exc), "doel")]) from None
    found = await subscriptions.subscribe(
        session, organisatie=organisatie, url=body.url, event_types=body.soorten, now=datetime.now(UTC)
    )
    return AbonnementMetSecret(**_view(found).model_dump(), secret=found.secret)


@router.get(
    "/webhook-abonnementen",
    response_model=list[AbonnementView],
    summary="List this organisation's webhook subscriptions",
    responses=problem_responses(400, 401),
)
async def get_abonnementen(session: SessionDep, organisatie: CurrentOrg) -> list[AbonnementView]:
    return [_view(found) for found in await subscriptions.subscriptions(session, organisatie)]


@router.delete(
    "/webhook-abonnementen/{abonnement_id}",
    status_code=204,
    summary="Delete a webhook subscription",
    responses=problem_responses(400, 401, 404),
)
async def delete_abonnement(
    abonnement_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg
) -> Response:
    await subscriptions.unsubscribe(session, organisatie, abonnement_id)
    return Response(status_code=204)


@router.post(
    "/webhook-abonnementen/{abonnement_id}/secret-rotatie",
    response_model=Rotatie,
    summary="Rotate the signing secret (the old one keeps signing for a day)",
    responses=problem_responses(400, 401, 404),
)
async def post_rotatie(abonnement_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg) -> Rotatie:
    found = await subscriptions.subscription(session, organisatie, abonnement_id)
    secret = subscriptions.rotate(found, now=datetime.now(UTC))
    assert found.vorig_secret_tot is not None
    return Rotatie(secret=secret, vorig_secret_geldig_tot=found.vorig_secret_tot)


@router.post(
    "/webhook-abonnementen/{abonnement_id}/test",
    status_code=202,
    response_model=BezorgingView,
    summary="Send a test event to this subscription",
    responses=problem_responses(400, 401, 404, 409),
)
async def post_test(abonnement_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg) -> BezorgingView:
    found = await subscriptions.subscription(session, organisatie, abonnement_id)
    delivery = await subscriptions.send_test_event(session, found, now=datetime.now(UTC))
    return _delivery_view(delivery, found)


def _delivery_view(delivery: Bezorging, found: Abonnement) -> BezorgingView:
    return BezorgingView(
        id=delivery.id,
        abonnement_id=found.id,
        url=found.url,
        bericht_id=delivery.uitgaand_id,
        status=delivery.status,
        pogingen=delivery.pogingen,
        laatste_fout=delivery.laatste_fout,
        aangemaakt_op=delivery.aangemaakt_op,
    )


@router.get(
    "/bezorgingen",
    response_model=list[BezorgingView],
    summary="Deliveries that are failing",
    description="Those that failed after every retry (`mislukt`, replayable) and those whose last attempt "
    "failed and that wait to be retried (`wachtend`); `laatsteFout` says why.",
    responses=problem_responses(400, 401),
)
async def get_bezorgingen(session: SessionDep, organisatie: CurrentOrg) -> list[BezorgingView]:
    failing = await service.failed(session, organisatie, retrying=True)
    return [_delivery_view(delivery, found) for delivery, found in failing]


@router.post(
    "/bezorgingen/{bezorging_id}/opnieuw",
    status_code=202,
    response_model=BezorgingView,
    summary="Replay a failed delivery (re-enables its subscription)",
    responses=problem_responses(400, 401, 404, 409),
)
async def post_opnieuw(
    bezorging_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg
) -> BezorgingView:
    delivery = await session.get(Bezorging, bezorging_id, with_for_update=True)
    found = await session.get(Abonnement, delivery.abonnement_id) if delivery else None
    if delivery is None or found is None or found.organisatie_id != organisatie.id:
        raise NotFound("no delivery with this id for this organisation")
    await service.replay(session, delivery, now=datetime.now(UTC))
    return _delivery_view(delivery, found)


@router.get(
    "/berichten",
    response_model=Berichten,
    summary="The mailbox: unconfirmed events, oldest first",
    description="Messages keep coming back until confirmed, so nothing is missed after an outage.",
    responses=problem_responses(400, 401),
)
async def get_berichten(
    session: SessionDep,
    organisatie: CurrentOrg,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9_-]{80,120}={0,2}$",
            description="The `volgende` of the previous page, as it was given (opaque)",
        ),
    ] = None,
) -> Berichten:
    try:
        page = await mailbox.mailbox(session, organisatie, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise InvalidMessage(violations=[Violation("/query/cursor", str(exc))]) from None
    return Berichten(
        berichten=[
            events.cloudevent(event, source=settings.cloudevents_source, base_url=settings.public_base_url)
            for event in page.events
        ],
        volgende=page.cursor,
    )


@router.post(
    "/berichten/{bericht_id}/bevestiging",
    status_code=204,
    summary="Confirm a message from the mailbox",
    description="Confirming the `ontvangen` event of a new referral tells the creditor it was delivered.",
    responses=problem_responses(400, 401, 404),
)
async def post_bevestiging(bericht_id: uuid.UUID, session: SessionDep, organisatie: CurrentOrg) -> Response:
    event = await mailbox.event_for(session, organisatie, bericht_id)
    await confirm_delivery(session, event, now=datetime.now(UTC))
    return Response(status_code=204)
