"""Authenticated encryption of one value (pure): AES-256-GCM under the current data key.

A sealed value is text: `wdv1:<key id>:<base64url of nonce, ciphertext and tag>`. The key id says
which key opens it, so rows can be re-encrypted one by one while old keys still decrypt. The
context (the column, `doorverwijzingen.bericht`) is authenticated with it: a value copied into
another column does not open.
"""

import base64
import binascii
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.privacy.keys import DataKey, DataKeyError, Keyring

VERSION = "wdv1"
NONCE_BYTES = 12
SEALED = re.compile(rf"{VERSION}:([A-Za-z0-9-]{{1,32}}):([A-Za-z0-9_-]+)")
SEALED_HEAD = re.compile(rf"{VERSION}:([A-Za-z0-9-]{{1,32}}):")


class UnreadableValue(DataKeyError):
    """A sealed value that no key in the keyring opens: an unknown key id, or altered data."""


@lru_cache(maxsize=32)
def _cipher(key: DataKey) -> AESGCM:
    return AESGCM(key.secret)


def prefix(key_id: str) -> str:
    """How every value sealed under `key_id` begins."""
    return f"{VERSION}:{key_id}:"


def seal(keyring: Keyring, plaintext: bytes, *, context: str) -> str:
    key = keyring.current
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _cipher(key).encrypt(nonce, plaintext, context.encode("utf-8"))
    return prefix(key.id) + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def key_id_of(value: str) -> str | None:
    """The key a sealed value was encrypted under; None for anything else (plain data)."""
    found = SEALED.fullmatch(value)
    return found.group(1) if found else None


def unseal(keyring: Keyring, value: str, *, context: str) -> bytes:
    found = SEALED.fullmatch(value)
    if found is None:
        raise UnreadableValue(f"{context}: not a sealed value")
    key_id, body = found.groups()
    key = keyring.get(key_id)
    if key is None:
        raise UnreadableValue(
            f"{context}: encrypted under data key {key_id!r}, which is not among the keys set "
            f"({', '.join(keyring.ids)}): add it to DATA_KEYS after the current key"
        )
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, binascii.Error, ValueError):
        raise UnreadableValue(f"{context}: a value under data key {key_id!r} does not decrypt") from None
