"""Valid messages to start from: the minimal Doorverwijzing example with fresh identifiers."""

import json
import uuid
from typing import Any

from tests.conftest import example


def referral(**changes: Any) -> dict[str, Any]:
    """The minimal valid example with a fresh berichtId (and referentie unless given)."""
    message: dict[str, Any] = json.loads(example("doorverwijzing", "valid-minimaal.json"))
    message["berichtId"] = str(uuid.uuid4())
    message["referentie"] = f"DOSSIER-{uuid.uuid4().hex[:8]}"
    for path, value in changes.items():
        target = message
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        target[last] = value
    return message
