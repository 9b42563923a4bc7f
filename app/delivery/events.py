"""Events as CloudEvents 1.0 (NL GOV profile) and their Standard Webhooks signature headers (pure)."""

import json
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook

from app.clocks import utc_text
from app.outbox import Uitgaand

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def cloudevent(event: Uitgaand, *, source: str, base_url: str) -> dict[str, Any]:
    """The structured-mode CloudEvent of an outbox row: thin data, details behind `dataref`."""
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event.id),
        "source": source,
        "type": event.type,
        "time": utc_text(event.aangemaakt_op),
        "datacontenttype": "application/json",
    }
    if event.doorverwijzing_id is not None:
        body["subject"] = str(event.doorverwijzing_id)
        body["sequence"] = f"{event.volgnummer:010d}"  # CloudEvents sequence: orderable as text
    if event.dataref:
        body["dataref"] = base_url.rstrip("/") + event.dataref
    body["data"] = event.data
    return body


def serialise(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def signature_headers(*, event_id: str, payload: str, secrets: list[str], now: datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (one v1 signature per secret,
    so a receiver verifies with either the old or the new secret during a rotation)."""
    signatures = [Webhook(secret).sign(event_id, now, payload) for secret in secrets]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
