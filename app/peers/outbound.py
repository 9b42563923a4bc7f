"""Events for organisations on a peer channel, as the requests that peer understands.

Vroegsignalering gets a new referral as a signal and a withdrawal as an intrekking; a creditor
at the Schuldenknooppunt gets its Ontvangstbevestiging or Foutbericht, and later Terugmeldingen,
through `verstuurBericht`. They travel through the delivery worker: the same claims, retries,
attempt records and replays as webhooks.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.config import Settings
from app.delivery.models import Uitgaand
from app.messages.specs import MessageKind
from app.organisations.models import Kanaal, Organisatie
from app.peers import mapping, soap
from app.peers.clients import accepted, soap_headers
from app.peers.hub import FOUTBERICHT, ONTVANGSTBEVESTIGING
from app.referrals import views
from app.referrals.access import log_processing
from app.referrals.history import event_type
from app.referrals.models import Doorverwijzing, Gebeurtenis
from app.referrals.projection import CREDITOR_EVENTS, Soort

CONVERSATIE_NAMESPACE = uuid.UUID("4c8e1b7a-2f5d-4a96-8e3c-1d7b9f0a6c25")

VROEGSIGNALERING_SOORTEN = [Soort.ONTVANGEN.value, Soort.INGETROKKEN.value]
SCHULDENKNOOPPUNT_SOORTEN = sorted(
    {s.value for s in CREDITOR_EVENTS} | {"ontvangstbevestiging", "foutbericht", "terugmelding"}
)


class NotConfigured(Exception):
    """The peer's address is not set (SCHULDENKNOOPPUNT_URL / VROEGSIGNALERING_URL)."""


@dataclass(frozen=True)
class PeerRequest:
    url: str
    payload: bytes
    headers: dict[str, str]


def subscription_defaults(kanaal: Kanaal, settings: Settings) -> tuple[str, list[str]]:
    """The URL (for display; the setting is used when sending) and the event kinds of a channel."""
    if kanaal is Kanaal.VROEGSIGNALERING:
        return settings.vroegsignalering_url or "(VROEGSIGNALERING_URL)", VROEGSIGNALERING_SOORTEN
    return settings.schuldenknooppunt_url or "(SCHULDENKNOOPPUNT_URL)", SCHULDENKNOOPPUNT_SOORTEN


async def request_for(session: AsyncSession, settings: Settings, kanaal: str, event: Uitgaand) -> PeerRequest:
    if kanaal == Kanaal.VROEGSIGNALERING:
        return await _vroegsignalering(session, settings, event)
    return await _schuldenknooppunt(session, settings, event)


def check_reply(kanaal: str, status: int | None, body: str | None) -> str | None:
    """What went wrong with a peer's answer beyond its status code, or None when it is accepted:
    a SOAP Fault (at any status), a hub reply that is no acceptance, or a 2xx from Vroegsignalering
    that is not its JSON answer (a proxy's page, say)."""
    if status is None:
        return None
    success = 200 <= status < 300
    if kanaal == Kanaal.SCHULDENKNOOPPUNT:
        try:
            accepted((body or "").encode())
        except soap.SoapFault as exc:
            return str(exc)[:500]
        except soap.MalformedReply as exc:
            return str(exc)[:500] if success else None
        return None
    if success and status != 204:
        try:
            answer = json.loads(body or "")
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return f"HTTP {status} without the JSON answer of Vroegsignalering"
    return None


async def _vroegsignalering(session: AsyncSession, settings: Settings, event: Uitgaand) -> PeerRequest:
    if not settings.vroegsignalering_url:
        raise NotConfigured("VROEGSIGNALERING_URL is not set")
    base = settings.vroegsignalering_url.rstrip("/")
    referral = await session.get(Doorverwijzing, event.doorverwijzing_id)
    assert referral is not None
    headers = {"content-type": "application/json"}
    if event.type == event_type(Soort.INGETROKKEN):
        entry = await session.scalar(
            select(Gebeurtenis)
            .where(Gebeurtenis.doorverwijzing_id == referral.id, Gebeurtenis.soort == Soort.INGETROKKEN.value)
            .order_by(Gebeurtenis.volgnummer.desc())
            .limit(1)
        )
        reden = entry.gegevens.get("reden", "overig") if entry else "overig"
        return PeerRequest(f"{base}/signalen/{referral.id}/intrekking", _json({"reden": reden}), headers)
    log_processing(
        session,
        organisatie_id=event.ontvanger_id,
        referral_id=referral.id,
        actie="doorgeven aan vroegsignalering",
        grondslag="aflevering warme doorverwijzing aan de uitvoerder",
    )
    signal = mapping.signaal(
        referral_id=referral.id,
        bericht=referral.bericht,
        adres=referral.actueel_adres or referral.bericht["inwoner"]["adres"],
        gemeentecode=referral.gemeentecode,
        signaaldatum=clocks.ontvangstdag(referral.ontvangen_op).isoformat(),
        callback=settings.public_base_url.rstrip("/") + "/v1/vroegsignalering/statusupdates",
    )
    return PeerRequest(f"{base}/signalen", _json(signal), headers)


async def _schuldenknooppunt(session: AsyncSession, settings: Settings, event: Uitgaand) -> PeerRequest:
    if not settings.schuldenknooppunt_url:
        raise NotConfigured("SCHULDENKNOOPPUNT_URL is not set")
    creditor = await session.get(Organisatie, event.ontvanger_id)
    assert creditor is not None
    kind, message, conversatie = await _hub_message(session, event)
    kop = soap.Berichtkop(
        afzender=settings.schuldenknooppunt_deelnemer,
        ontvanger=creditor.kanaal_adres or "",
        berichtsoort=soap.BERICHTSOORT[kind],
        bericht_id=uuid.UUID(message["berichtId"]) if "berichtId" in message else event.id,
        conversatie_id=conversatie,
        verzonden_op=datetime.now(UTC),
    )
    return PeerRequest(
        settings.schuldenknooppunt_url, soap.verstuur(kop, kind, message), soap_headers("verstuurBericht")
    )


async def _hub_message(
    session: AsyncSession, event: Uitgaand
) -> tuple[MessageKind, dict[str, Any], uuid.UUID]:
    if event.type in (ONTVANGSTBEVESTIGING, FOUTBERICHT):
        kind = (
            MessageKind.ONTVANGSTBEVESTIGING
            if event.type == ONTVANGSTBEVESTIGING
            else MessageKind.FOUTBERICHT
        )
        return kind, event.data["bericht"], uuid.UUID(event.data["conversatieReferentienummer"])
    referral = await session.get(Doorverwijzing, event.doorverwijzing_id)
    assert referral is not None
    conversatie = referral.conversatie_id or uuid.uuid5(CONVERSATIE_NAMESPACE, str(referral.id))
    return MessageKind.TERUGMELDING, views.terugmelding(referral, event=event), conversatie


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()
