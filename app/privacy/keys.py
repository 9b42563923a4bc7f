"""The data keys personal data is encrypted under.

A keyring is a list of keys with ids: the first encrypts, every one decrypts, so a new key can be
put in front and the old ones kept until `wdv keys rotate-data-key` has re-encrypted every row.
The keys come from DATA_KEYS (`id:key,id:key`), or DATA_KEYS_FILE (the same, one per line, for a
mounted secret). Without either a process that stores personal data refuses to start, except in
the sandbox (DATA_KEYS_SANDBOX=true), which makes a local key once in var/data-keys.

The keyring of a process is installed once at start (`install`) and read by the encrypted column
types (app/privacy/columns.py), which cannot be handed settings.
"""

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.config import PROJECT_ROOT, Settings

KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"[A-Za-z0-9-]{1,32}")
SANDBOX_FILE = PROJECT_ROOT / "var" / "data-keys"

MISSING = (
    "DATA_KEYS is not set: personal data is stored encrypted under it. Make a key with "
    "`wdv keys generate` and set DATA_KEYS=<id>:<key> (or DATA_KEYS_FILE=<file>); only a sandbox "
    "may use DATA_KEYS_SANDBOX=true instead"
)


class DataKeyError(Exception):
    """The data keys are missing or unusable; the message says which setting and what to do."""


@dataclass(frozen=True)
class DataKey:
    id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    keys: tuple[DataKey, ...]

    @property
    def current(self) -> DataKey:
        """The key new data is encrypted under."""
        return self.keys[0]

    def get(self, key_id: str) -> DataKey | None:
        return next((key for key in self.keys if key.id == key_id), None)

    @property
    def ids(self) -> list[str]:
        return [key.id for key in self.keys]


def _decode(secret: str, *, key_id: str, source: str) -> bytes:
    padded = secret + "=" * (-len(secret) % 4)
    try:
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DataKeyError(f"{source}: key {key_id!r} is not base64") from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{source}: key {key_id!r} must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def parse(text: str, *, source: str) -> Keyring:
    """`id:key` entries separated by commas or lines (`#` starts a comment); the first encrypts."""
    keys: list[DataKey] = []
    for line in text.splitlines():
        for entry in line.split("#", 1)[0].split(","):
            if not (entry := entry.strip()):
                continue
            key_id, sep, secret = entry.partition(":")
            key_id, secret = key_id.strip(), secret.strip()
            if not sep or not secret:
                raise DataKeyError(f"{source}: write each key as <id>:<key>")
            if not KEY_ID.fullmatch(key_id):
                raise DataKeyError(f"{source}: a key id is 1-32 letters, digits or '-', not {key_id!r}")
            if any(key.id == key_id for key in keys):
                raise DataKeyError(f"{source}: key id {key_id!r} is given twice")
            keys.append(DataKey(key_id, _decode(secret, key_id=key_id, source=source)))
    if not keys:
        raise DataKeyError(f"{source} holds no key")
    return Keyring(tuple(keys))


def generate(key_id: str | None = None) -> str:
    """A new key as a DATA_KEYS entry."""
    key_id = key_id or f"k{secrets.token_hex(3)}"
    if not KEY_ID.fullmatch(key_id):
        raise DataKeyError(f"a key id is 1-32 letters, digits or '-', not {key_id!r}")
    secret = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii").rstrip("=")
    return f"{key_id}:{secret}"


def _sandbox_keys(path: Path) -> str:
    """The sandbox's local key file, made once (readable by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8")
    entry = generate("sandbox")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(f"# sandbox data key, made by the service; never use it for real data\n{entry}\n")
    return entry


def load(settings: Settings, *, sandbox_file: Path = SANDBOX_FILE) -> Keyring:
    """The keyring the settings name; DataKeyError when there is none or it cannot be used."""
    if settings.data_keys:
        return parse(settings.data_keys, source="DATA_KEYS")
    if settings.data_keys_file is not None:
        try:
            text = settings.data_keys_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataKeyError(f"DATA_KEYS_FILE {settings.data_keys_file}: {exc.strerror or exc}") from None
        return parse(text, source=f"DATA_KEYS_FILE {settings.data_keys_file}")
    if settings.data_keys_sandbox:
        return parse(_sandbox_keys(sandbox_file), source=f"the sandbox key file {sandbox_file}")
    raise DataKeyError(MISSING)


_installed: Keyring | None = None


def install(keyring: Keyring) -> None:
    """Make `keyring` the one this process encrypts and decrypts with."""
    global _installed
    _installed = keyring


def installed() -> Keyring:
    if _installed is None:
        raise DataKeyError("no data key is loaded in this process: " + MISSING)
    return _installed


def load_and_install(settings: Settings) -> Keyring:
    keyring = load(settings)
    install(keyring)
    return keyring
