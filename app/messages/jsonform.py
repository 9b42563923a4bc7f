"""The JSON form of a message: plain values for storage and responses, and a content hash."""

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    """Replace Decimals (how amounts are parsed, exactly) with int or float for JSON storage."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def content_hash(data: Mapping[str, Any]) -> str:
    """Same hash for the same content, whichever format or member order it arrived in."""
    canonical = json.dumps(plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: the hash never fails, even on text that parsing should already have refused
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
