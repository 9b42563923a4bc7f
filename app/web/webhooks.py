"""Administrator pages for webhook subscriptions and failed deliveries, through the delivery
service (the same rules as the API: https and public addresses only, secrets shown once)."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.dependencies import Aanmelding, require
from app.accounts.models import Rol
from app.db import SessionDep
from app.delivery import service as delivery
from app.delivery import subscriptions, targets
from app.delivery.models import Abonnement, Bezorging
from app.errors import NotFound
from app.http import AppSettings
from app.outbox import EventType
from app.web.beheer import organisatie_of
from app.web.templating import GEBEURTENIS_LABELS, render

router = APIRouter(include_in_schema=False)
Beheerder = Annotated[Aanmelding, Depends(require(Rol.BEHEERDER))]
BeheerFormulier = Annotated[Aanmelding, Depends(require(Rol.BEHEERDER, csrf=True))]
SOORTEN = [(soort.value, GEBEURTENIS_LABELS.get(soort.value, soort.value)) for soort in EventType]
MELDINGEN = {"opnieuw": "De bezorging wordt opnieuw geprobeerd; het abonnement staat weer aan."}


async def _page(
    request: Request,
    session: SessionDep,
    aanmelding: Aanmelding,
    *,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    organisatie = organisatie_of(aanmelding)
    context = {
        "title": "Webhooks",
        "nav": "webhooks",
        "abonnementen": await subscriptions.subscriptions(session, organisatie),
        "mislukt": await delivery.failed(session, organisatie),
        "soorten": SOORTEN,
        "velden": {"url": "", "soorten": []},
        "fouten": {},
    } | (extra or {})
    return render(request, "beheer/webhooks.html", context, status_code=status_code)


@router.get("/beheer/webhooks")
async def webhooks(
    request: Request, session: SessionDep, aanmelding: Beheerder, melding: str = ""
) -> Response:
    return await _page(request, session, aanmelding, extra={"melding": MELDINGEN.get(melding)})


@router.post("/beheer/webhooks")
async def subscribe(
    request: Request, session: SessionDep, settings: AppSettings, aanmelding: BeheerFormulier
) -> Response:
    form = await request.form()
    url = str(form.get("url", "")).strip()[:2000]
    chosen = [str(value) for value in form.getlist("soorten")]
    velden = {"url": url, "soorten": chosen}
    known = {soort.value for soort in EventType}
    if unknown := [value for value in chosen if value not in known]:
        return await _page(
            request,
            session,
            aanmelding,
            extra={"velden": velden, "fouten": {"soorten": f"Onbekende soort: {', '.join(unknown)}."}},
            status_code=400,
        )
    try:
        await targets.check(url, allow_local=settings.webhook_allow_local)
    except targets.TargetRefused as exc:
        melding = "Vul een https-adres in dat vanaf internet bereikbaar is."
        return await _page(
            request,
            session,
            aanmelding,
            extra={"velden": velden, "fouten": {"url": f"{melding} ({exc})" if url else "Vul het adres in."}},
            status_code=400,
        )
    found = await subscriptions.subscribe(
        session,
        organisatie=organisatie_of(aanmelding),
        url=url,
        event_types=[EventType(value) for value in chosen],
        now=datetime.now(UTC),
    )
    return await _page(
        request, session, aanmelding, extra={"geheim": {"url": found.url, "secret": found.secret}}
    )


@router.post("/beheer/webhooks/{abonnement_id}/secret-rotatie")
async def rotate(
    request: Request, session: SessionDep, aanmelding: BeheerFormulier, abonnement_id: uuid.UUID
) -> Response:
    found: Abonnement = await subscriptions.subscription(session, organisatie_of(aanmelding), abonnement_id)
    secret = subscriptions.rotate(found, now=datetime.now(UTC))
    geheim = {"url": found.url, "secret": secret, "vorig_tot": found.vorig_secret_tot}
    return await _page(request, session, aanmelding, extra={"geheim": geheim})


@router.post("/beheer/bezorgingen/{bezorging_id}/opnieuw")
async def replay(session: SessionDep, aanmelding: BeheerFormulier, bezorging_id: uuid.UUID) -> Response:
    found = await session.get(Bezorging, bezorging_id, with_for_update=True)
    subscription = await session.get(Abonnement, found.abonnement_id) if found else None
    if found is None or subscription is None or subscription.organisatie_id != organisatie_of(aanmelding).id:
        raise NotFound("no delivery with this id for this organisation")
    await delivery.replay(session, found, now=datetime.now(UTC))
    return RedirectResponse("/beheer/webhooks?melding=opnieuw", status_code=303)
