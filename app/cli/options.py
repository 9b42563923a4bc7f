"""Checks of what an operator types, each failing with one line that names the option."""

from __future__ import annotations

import json
import re
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from app.cli.console import fail

# the published message specification (the project root holds it next to the package)
SPECIFICATION = Path(__file__).resolve().parents[2] / "schemas" / "json" / "doorverwijzing.v1.json"
_OIN = re.compile(r"^\d{20}$")
_KVK = re.compile(r"^\d{8}$")


class RolKeuze(StrEnum):
    """The organisation roles (the same values as `app.organisations.models.Rol`, which the
    command line does not import at start-up; a test keeps them equal)."""

    SCHULDEISER = "schuldeiser"
    UITVOERDER = "uitvoerder"


class KanaalKeuze(StrEnum):
    """The channels (the same values as `app.organisations.models.Kanaal`)."""

    API = "api"
    VROEGSIGNALERING = "vroegsignalering"
    SCHULDENKNOOPPUNT = "schuldenknooppunt"


@cache
def signaalpartner_soorten() -> tuple[str, ...]:
    """The creditor kinds of the specification (DDAS EnumSignaalpartner)."""
    schema = json.loads(SPECIFICATION.read_text(encoding="utf-8"))
    return tuple(schema["$defs"]["EnumSignaalpartner"]["enum"])


def datum(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


def oin(value: str) -> str:
    if not _OIN.match(value):
        fail(f"--oin must be 20 digits (an Organisatie-identificatienummer), not {value!r}")
    return value


def kvk_nummer(value: str) -> str:
    if not _KVK.match(value):
        fail(f"--kvk must be 8 digits (a KvK-nummer), not {value!r}")
    return value


def soort(value: str) -> str:
    """The kind exactly as the specification spells it; a different case is accepted and corrected."""
    known = {s.casefold(): s for s in signaalpartner_soorten()}
    if (found := known.get(value.strip().casefold())) is None:
        fail(f"--soort must be one of {', '.join(signaalpartner_soorten())}; not {value!r}")
    return found
