"""The peer channels: events for organisations on a peer system, as the requests that peer
understands, registered with the delivery worker like the webhook channel.

Vroegsignalering gets a new referral as a signal and a withdrawal as an intrekking; a creditor at
the Schuldenknooppunt gets its Ontvangstbevestiging or Foutbericht, and later Terugmeldingen,
through `verstuurBericht`. They travel through the delivery worker: the same claims, retries,
attempt records and replays as webhooks, over the mutual-TLS client.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clocks
from app.config import Settings
from app.delivery import sender
from app.delivery.channels import Channels, Gone, NotConfigured, Outcome, Request
from app.delivery.models import Abonnement
from app.messages.specs import MessageKind
from app.organisations.models import Kanaal, Organisatie
from app.outbox import AnswerType, EventType, Uitgaand
from app.peers import mapping, soap
from app.peers.clients import accepted, soap_headers
from app.privacy.register import Verwerkingsactiviteit
from app.referrals import views
from app.referrals.access import log_processing
from app.referrals.models import Doorverwijzing, Gebeurtenis
from app.referrals.projection import SCHULDEISER_EVENTS

CONVERSATIE_NAMESPACE = uuid.UUID("4c8e1b7a-2f5d-4a96-8e3c-1d7b9f0a6c25")

VROEGSIGNALERING_EVENTS = [EventType.ONTVANGEN.value, EventType.INGETROKKEN.value]
SCHULDENKNOOPPUNT_EVENTS = sorted(
    {t.value for t in SCHULDEISER_EVENTS}
    | {AnswerType.ONTVANGSTBEVESTIGING.value, AnswerType.FOUTBERICHT.value, AnswerType.TERUGMELDING.value}
)


def subscription_defaults(kanaal: Kanaal, settings: Settings) -> tuple[str, list[str]]:
    """The URL (for display; the setting is used when sending) and the event types of a channel."""
    if kanaal is Kanaal.VROEGSIGNALERING:
        return settings.vroegsignalering_url or "(VROEGSIGNALERING_URL)", VROEGSIGNALERING_EVENTS
    return settings.schuldenknooppunt_url or "(SCHULDENKNOOPPUNT_URL)", SCHULDENKNOOPPUNT_EVENTS


def register(channels: Channels, settings: Settings, client: httpx.AsyncClient) -> None:
    """Register both peer channels, sending over `client` (mutual TLS)."""
    channels.register(VroegsignaleringChannel(client, settings))
    channels.register(SchuldenknooppuntChannel(client, settings))


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


class _PeerChannel:
    name: str

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client, self.settings = client, settings

    async def send(self, request: Request) -> Outcome:
        outcome = await sender.post(
            self.client,
            request.url,
            payload=request.payload,
            headers=request.headers,
            allow_local=True,  # the operator configured this address
            limit=self.settings.peer_timeout_seconds,
        )
        if outcome.statuscode is not None and (refusal := self.refusal(outcome.statuscode, outcome.antwoord)):
            # a refusal dressed as success is no success: the attempt fails with the reason
            return Outcome(
                outcome.statuscode, outcome.duur_ms, outcome.antwoord, refusal, outcome.retry_after
            )
        return outcome

    def refusal(self, status: int, body: str | None) -> str | None:
        """What is wrong with a peer's answer beyond its status code; None when it is accepted."""
        raise NotImplementedError


class VroegsignaleringChannel(_PeerChannel):
    name = Kanaal.VROEGSIGNALERING.value

    async def prepare(
        self, session: AsyncSession, event: Uitgaand, abonnement: Abonnement, *, now: datetime
    ) -> Request:
        if not self.settings.vroegsignalering_url:
            raise NotConfigured("VROEGSIGNALERING_URL is not set")
        base = self.settings.vroegsignalering_url.rstrip("/")
        doorverwijzing = await session.get(Doorverwijzing, event.doorverwijzing_id)
        assert doorverwijzing is not None
        headers = {"content-type": "application/json"}
        if event.kind is EventType.INGETROKKEN:
            reden = await _withdrawal_reason(session, doorverwijzing)
            return Request(
                f"{base}/signalen/{doorverwijzing.id}/intrekking", _json({"reden": reden}), headers
            )
        if doorverwijzing.bericht is None:
            raise Gone("the referral's personal data was erased after the retention period")
        log_processing(
            session,
            organisatie_id=event.ontvanger_id,
            doorverwijzing_id=doorverwijzing.id,
            actie="doorgeven aan vroegsignalering",
            activiteit=Verwerkingsactiviteit.AFLEVEREN,
        )
        signal = mapping.signaal(
            doorverwijzing_id=doorverwijzing.id,
            bericht=doorverwijzing.bericht,
            adres=doorverwijzing.actueel_adres or doorverwijzing.bericht["inwoner"]["adres"],
            gemeentecode=doorverwijzing.gemeentecode,
            signaaldatum=clocks.ontvangstdag(doorverwijzing.ontvangen_op).isoformat(),
            callback=self.settings.public_base_url.rstrip("/") + "/v1/vroegsignalering/statusupdates",
        )
        return Request(f"{base}/signalen", _json(signal), headers)

    def refusal(self, status: int, body: str | None) -> str | None:
        """A 2xx that is not Vroegsignalering's JSON answer (a proxy's page, say) is no success."""
        if not 200 <= status < 300 or status == 204:
            return None
        try:
            answer = json.loads(body or "")
        except ValueError:
            answer = None
        return (
            None if isinstance(answer, dict) else f"HTTP {status} without the JSON answer of Vroegsignalering"
        )


async def _withdrawal_reason(session: AsyncSession, doorverwijzing: Doorverwijzing) -> str:
    entry = await session.scalar(
        select(Gebeurtenis)
        .where(
            Gebeurtenis.doorverwijzing_id == doorverwijzing.id,
            Gebeurtenis.soort == EventType.INGETROKKEN.value,
        )
        .order_by(Gebeurtenis.volgnummer.desc())
        .limit(1)
    )
    return str(entry.gegevens.get("reden", "overig")) if entry else "overig"


class SchuldenknooppuntChannel(_PeerChannel):
    name = Kanaal.SCHULDENKNOOPPUNT.value

    async def prepare(
        self, session: AsyncSession, event: Uitgaand, abonnement: Abonnement, *, now: datetime
    ) -> Request:
        if not self.settings.schuldenknooppunt_url:
            raise NotConfigured("SCHULDENKNOOPPUNT_URL is not set")
        schuldeiser = await session.get(Organisatie, event.ontvanger_id)
        assert schuldeiser is not None
        kind, message, conversatie = await _hub_message(session, event)
        kop = soap.Berichtkop(
            afzender=self.settings.schuldenknooppunt_deelnemer,
            ontvanger=schuldeiser.kanaal_adres or "",
            berichtsoort=soap.BERICHTSOORT[kind],
            bericht_id=uuid.UUID(message["berichtId"]) if "berichtId" in message else event.id,
            conversatie_id=conversatie,
            verzonden_op=datetime.now(UTC),
        )
        return Request(
            self.settings.schuldenknooppunt_url,
            soap.verstuur(kop, kind, message),
            soap_headers("verstuurBericht"),
        )

    def refusal(self, status: int, body: str | None) -> str | None:
        """A SOAP Fault (at any status), or a 2xx reply that is no acceptance, is no success."""
        try:
            accepted((body or "").encode())
        except soap.SoapFault as exc:
            return str(exc)[:500]
        except soap.MalformedReply as exc:
            return str(exc)[:500] if 200 <= status < 300 else None
        return None


async def _hub_message(
    session: AsyncSession, event: Uitgaand
) -> tuple[MessageKind, dict[str, Any], uuid.UUID]:
    """The message an event becomes at the hub, and the conversation it goes in."""
    if event.kind is AnswerType.FOUTBERICHT:
        return (
            MessageKind.FOUTBERICHT,
            event.data["probleem"],
            uuid.UUID(event.data["conversatieReferentienummer"]),
        )
    doorverwijzing = await session.get(Doorverwijzing, event.doorverwijzing_id)
    assert doorverwijzing is not None
    conversatie = doorverwijzing.conversatie_id or uuid.uuid5(CONVERSATIE_NAMESPACE, str(doorverwijzing.id))
    if event.kind is AnswerType.ONTVANGSTBEVESTIGING:
        return MessageKind.ONTVANGSTBEVESTIGING, doorverwijzing.ontvangstbevestiging, conversatie
    return MessageKind.TERUGMELDING, views.terugmelding(doorverwijzing, event=event), conversatie
