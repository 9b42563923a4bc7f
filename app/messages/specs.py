"""Loads the published schemas (JSON Schema 2020-12 and XSD) once per process."""

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import xmlschema
from jsonschema import Draft202012Validator, FormatChecker

from app.config import get_settings

NAMESPACE_V1 = "urn:nld:warme-doorverwijzing:berichten:v1"
NAMESPACE_PROBLEM = "urn:ietf:rfc:7807"


class MessageKind(StrEnum):
    DOORVERWIJZING = "doorverwijzing"
    ONTVANGSTBEVESTIGING = "ontvangstbevestiging"
    FOUTBERICHT = "foutbericht"
    STATUSMELDING = "statusmelding"
    INTREKKING = "intrekking"
    BETALINGSHERSTEL = "betalingsherstel"
    VERLENGINGSVERZOEK = "verlengingsverzoek"
    VERLENGINGSANTWOORD = "verlengingsantwoord"
    TERUGMELDING = "terugmelding"
    INGRIJPENDE_MAATREGEL = "ingrijpendeMaatregel"


@dataclass(frozen=True)
class MessageSpec:
    kind: MessageKind
    json_schema: dict[str, Any]
    validator: Draft202012Validator
    xsd: xmlschema.XMLSchemaBase
    namespace: str
    root: str

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `#/$defs/...` reference (the only kind the v1 schemas use)."""
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local references are supported: {ref}")
            target: Any = self.json_schema
            for part in ref[2:].split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema


_XSD_FILES = {
    NAMESPACE_V1: Path("xsd/v1/berichten.xsd"),
    NAMESPACE_PROBLEM: Path("xsd/problem.xsd"),
}
_ROOTS = {kind: (NAMESPACE_V1, kind.value) for kind in MessageKind} | {
    MessageKind.FOUTBERICHT: (NAMESPACE_PROBLEM, "problem")
}


@lru_cache
def _xsd(schemas_dir: Path, namespace: str) -> xmlschema.XMLSchemaBase:
    return xmlschema.XMLSchema(str(schemas_dir / _XSD_FILES[namespace]))


@lru_cache
def _spec(schemas_dir: Path, kind: MessageKind) -> MessageSpec:
    json_schema = json.loads((schemas_dir / "json" / f"{kind.value}.v1.json").read_text("utf-8"))
    Draft202012Validator.check_schema(json_schema)
    namespace, root = _ROOTS[kind]
    return MessageSpec(
        kind=kind,
        json_schema=json_schema,
        validator=Draft202012Validator(json_schema, format_checker=FormatChecker()),
        xsd=_xsd(schemas_dir, namespace),
        namespace=namespace,
        root=root,
    )


def spec(kind: MessageKind) -> MessageSpec:
    return _spec(get_settings().schemas_dir, kind)
