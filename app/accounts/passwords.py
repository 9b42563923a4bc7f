"""Passwords: argon2id hashes (argon2-cffi), the rules a new password must meet, and generated
passwords that can be read out or typed over (no look-alike characters)."""

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 200
# no 0/o, 1/l/i: a generated password is passed on by voice or on paper
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _unknown_account_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> bool:
    """Spend the time of a real check for a login name that has no account, so the answer time
    does not tell whether an account exists. Always False."""
    verify(_unknown_account_hash(), password)
    return False


def problem(password: str) -> str | None:
    """Why a new password is not acceptable (Dutch, for the person choosing it), or None."""
    if len(password) < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens."
    if len(password) > MAX_LENGTH:
        return f"Kies een wachtwoord van hoogstens {MAX_LENGTH} tekens."
    if password.strip() != password:
        return "Een wachtwoord begint of eindigt niet met een spatie."
    return None


def generate() -> str:
    """A random password of 4 groups of 4 characters (about 79 bits), e.g. `k7mq-2vxr-9tpa-hw3e`."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
