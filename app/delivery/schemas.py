"""Request and response bodies of the delivery endpoints (webhooks, mailbox, failed deliveries)."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.outbox import EventType
from app.schemas import ApiModel


class NieuwAbonnement(ApiModel):
    url: str = Field(max_length=2000, examples=["https://zaaksysteem.example.nl/webhooks/wdv"])
    soorten: list[EventType] = Field(
        default_factory=list, description="Event types to receive (e.g. status-gewijzigd); empty for all"
    )


class AbonnementView(ApiModel):
    id: uuid.UUID
    url: str
    soorten: list[str]
    actief: bool
    uitgeschakeld_reden: str | None = None
    aangemaakt_op: datetime


class AbonnementMetSecret(AbonnementView):
    secret: str = Field(description="The whsec_ signing secret; shown only now")


class Rotatie(ApiModel):
    secret: str = Field(description="The new signing secret")
    vorig_secret_geldig_tot: datetime = Field(description="Until then events carry both signatures")


class BezorgingView(ApiModel):
    id: uuid.UUID
    abonnement_id: uuid.UUID
    url: str
    bericht_id: uuid.UUID = Field(description="The event id (webhook-id)")
    status: str = Field(description="wachtend, bezig, afgeleverd or mislukt")
    pogingen: int
    laatste_fout: str | None = None
    aangemaakt_op: datetime


class Berichten(ApiModel):
    berichten: list[dict[str, Any]] = Field(description="CloudEvents 1.0, oldest first")
    volgende: str | None = Field(description="Cursor for the next page, or null")
