"""Column types that keep personal data encrypted at rest while the services read plain values.

`EncryptedJSON` stores a dict (or any JSON value) as a sealed string inside the JSON column, and
`EncryptedText` a sealed string in a text column (app/privacy/crypto.py). Reading gives the plain
value back. Rows written before encryption was introduced hold plain JSON or text: they are read
as they are, and `wdv keys rotate-data-key` encrypts them. Nothing can be searched inside these
columns; whatever must be queried is kept in a column of its own.
"""

import json
from typing import Any

from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.privacy import crypto, keys


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value sealed under the current data key. None is stored as JSON null."""

    impl = JSON
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context  # the column it belongs to, authenticated with every value

    def raw_prefix(self, key_id: str) -> str:
        """How the column's stored text starts for a value sealed under `key_id` (a JSON string)."""
        return '"' + crypto.prefix(key_id)

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return crypto.seal(keys.installed(), plain, context=self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and crypto.key_id_of(value) is not None:
            return json.loads(crypto.unseal(keys.installed(), value, context=self.context))
        return value  # None, or a row stored in plain JSON before encryption

    def from_stored(self, stored: str) -> Any:
        """The plain value of the column's stored text (as `CAST(column AS TEXT)` gives it)."""
        return self.process_result_value(json.loads(stored), None)  # type: ignore[arg-type]


class EncryptedText(TypeDecorator[str]):
    """Free text sealed under the current data key."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def raw_prefix(self, key_id: str) -> str:
        return crypto.prefix(key_id)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return crypto.seal(keys.installed(), value.encode("utf-8"), context=self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and crypto.key_id_of(value) is not None:
            return crypto.unseal(keys.installed(), value, context=self.context).decode("utf-8")
        return value  # None, or text stored before encryption

    def from_stored(self, stored: str) -> str | None:
        return self.process_result_value(stored, None)  # type: ignore[arg-type]


ENCRYPTED_TYPES = (EncryptedJSON, EncryptedText)
