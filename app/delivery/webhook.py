"""The webhook channel: an event as a signed CloudEvent (Standard Webhooks) to the subscriber's URL,
which must be https and public unless the service allows local targets."""

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.delivery import events, schedule, sender
from app.delivery.channels import Outcome, Request
from app.delivery.models import Abonnement
from app.outbox import Uitgaand

WEBHOOK = "webhook"


def signing_secrets(found: Abonnement, now: datetime) -> list[str]:
    """The current secret, and during a rotation the previous one too."""
    if found.vorig_secret and found.vorig_secret_tot and found.vorig_secret_tot > now:
        return [found.secret, found.vorig_secret]
    return [found.secret]


class WebhookChannel:
    name = WEBHOOK

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client, self.settings = client, settings

    async def prepare(
        self, session: AsyncSession, event: Uitgaand, abonnement: Abonnement, *, now: datetime
    ) -> Request:
        body = events.cloudevent(
            event, source=self.settings.cloudevents_source, base_url=self.settings.public_base_url
        )
        payload = events.serialise(body)
        # one v1 signature per secret, so a receiver verifies with either during a rotation
        headers = {"content-type": events.CONTENT_TYPE} | events.signature_headers(
            event_id=str(event.id),
            payload=payload,
            secrets=signing_secrets(abonnement, now),
            now=datetime.now(UTC),
        )
        return Request(abonnement.url, payload.encode(), headers)

    async def send(self, request: Request) -> Outcome:
        return await sender.post(
            self.client,
            request.url,
            payload=request.payload,
            headers=request.headers,
            allow_local=self.settings.webhook_allow_local,
            ports=self.settings.webhook_ports,
            limit=schedule.TIMEOUT.total_seconds(),
        )
