"""The published v1 specification: its examples say what is valid, what is not, and where it goes wrong.

Driven by schemas/examples/manifest.json, so a new example is tested as soon as it is listed.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from jsonschema import Draft202012Validator

from app.config import PROJECT_ROOT, get_settings
from app.errors import InvalidMessage, Violation
from app.messages.jsonform import content_hash, plain
from app.messages.specs import MessageKind, spec
from app.messages.validation import read_message
from app.messages.xml import to_xml
from tests.conftest import EXAMPLES

SCHEMAS = PROJECT_ROOT / "schemas"
JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MANIFEST: dict[str, Any] = json.loads((EXAMPLES / "manifest.json").read_text("utf-8"))


@dataclass(frozen=True)
class Invalid:
    kind: MessageKind
    file: str
    location: str
    code: str | None


def _valid(suffix: str) -> list[tuple[MessageKind, str]]:
    return [
        (MessageKind(kind), name)
        for kind, entry in MANIFEST.items()
        for name in entry["valid"]
        if name.endswith(suffix)
    ]


def _invalid() -> list[Invalid]:
    return [
        Invalid(MessageKind(kind), item["file"], item["location"], item.get("code"))
        for kind, entry in MANIFEST.items()
        for item in entry["invalid"]
    ]


VALID = _valid(".json") + _valid(".xml")
VALID_JSON = _valid(".json")
VALID_XML = _valid(".xml")
INVALID = _invalid()
WITH_CODE = [item for item in INVALID if item.code]


def _id(kind: MessageKind, name: str) -> str:
    return f"{kind.value}/{name}"


def _invalid_params() -> list[Any]:
    params = []
    for item in INVALID:
        params.append(pytest.param(item, id=_id(item.kind, item.file)))
    return params


def _content_type(name: str) -> str:
    return "application/json" if name.endswith(".json") else "application/xml"


def _read(kind: MessageKind, body: bytes, content_type: str) -> dict[str, Any]:
    return read_message(kind, body, content_type, max_depth=get_settings().max_message_depth).data


def _violations(item: Invalid) -> list[Violation]:
    body = (EXAMPLES / item.kind.value / item.file).read_bytes()
    with pytest.raises(InvalidMessage) as caught:
        read_message(item.kind, body, _content_type(item.file), max_depth=get_settings().max_message_depth)
    return caught.value.violations


def _exact(value: Any) -> Any:
    """The value with its JSON type spelled out, so `True` and `1` stay apart (numbers compare by value)."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float | Decimal):
        return ("number", Decimal(str(value)))
    return (type(value).__name__, value)


def _example_json(kind: MessageKind, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / kind.value / name).read_bytes(), parse_float=Decimal)
    return data


def _twin(name: str) -> str:
    return name.removesuffix(".json") + ".xml"


# --- the examples ----------------------------------------------------------------------------


def test_the_manifest_lists_every_example_file() -> None:
    listed = {
        (kind, name)
        for kind, entry in MANIFEST.items()
        for name in [*entry["valid"], *(item["file"] for item in entry["invalid"])]
    }
    on_disk = {
        (path.parent.name, path.name) for path in EXAMPLES.glob("*/*") if path.suffix in (".json", ".xml")
    }
    assert listed == on_disk


@pytest.mark.parametrize(("kind", "name"), VALID, ids=[_id(k, n) for k, n in VALID])
def test_a_valid_example_is_accepted(kind: MessageKind, name: str) -> None:
    body = (EXAMPLES / kind.value / name).read_bytes()

    message = read_message(kind, body, _content_type(name), max_depth=get_settings().max_message_depth)

    assert message.is_xml is name.endswith(".xml")
    assert message.data


@pytest.mark.parametrize("item", _invalid_params())
def test_an_invalid_example_is_refused_at_the_location_the_manifest_gives(item: Invalid) -> None:
    locations = [violation.location for violation in _violations(item)]

    assert item.location in locations


@pytest.mark.parametrize("item", WITH_CODE, ids=[_id(i.kind, i.file) for i in WITH_CODE])
def test_a_broken_semantic_rule_is_reported_with_its_code(item: Invalid) -> None:
    found = {(violation.location, violation.code) for violation in _violations(item)}

    assert (item.location, item.code) in found


# --- JSON <-> XML ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), VALID_JSON, ids=[_id(k, n) for k, n in VALID_JSON])
def test_a_json_message_survives_a_trip_through_xml(kind: MessageKind, name: str) -> None:
    data = _example_json(kind, name)

    back = _read(kind, to_xml(spec(kind), data), "application/xml")

    assert _exact(back) == _exact(data)


@pytest.mark.parametrize(("kind", "name"), VALID_XML, ids=[_id(k, n) for k, n in VALID_XML])
def test_an_xml_message_survives_a_trip_through_json(kind: MessageKind, name: str) -> None:
    data = _read(kind, (EXAMPLES / kind.value / name).read_bytes(), "application/xml")
    as_json = _read(kind, json.dumps(plain(data)).encode(), "application/json")

    back = _read(kind, to_xml(spec(kind), as_json), "application/xml")

    assert _exact(back) == _exact(data)


@pytest.mark.parametrize(("kind", "name"), VALID_JSON, ids=[_id(k, n) for k, n in VALID_JSON])
def test_a_json_example_and_its_xml_twin_carry_the_same_data(kind: MessageKind, name: str) -> None:
    from_json = _read(kind, (EXAMPLES / kind.value / name).read_bytes(), "application/json")
    from_xml = _read(kind, (EXAMPLES / kind.value / _twin(name)).read_bytes(), "application/xml")

    assert _exact(from_xml) == _exact(from_json)


@pytest.mark.parametrize(("kind", "name"), VALID_JSON, ids=[_id(k, n) for k, n in VALID_JSON])
def test_a_json_example_and_its_xml_twin_have_the_same_content_hash(kind: MessageKind, name: str) -> None:
    from_json = _read(kind, (EXAMPLES / kind.value / name).read_bytes(), "application/json")
    from_xml = _read(kind, (EXAMPLES / kind.value / _twin(name)).read_bytes(), "application/xml")

    assert content_hash(from_xml) == content_hash(from_json)


# --- the schemas themselves ------------------------------------------------------------------


JSON_SCHEMAS = sorted((SCHEMAS / "json").glob("*.json"))
XSDS = sorted((SCHEMAS / "xsd").rglob("*.xsd"))


@pytest.mark.parametrize("path", JSON_SCHEMAS, ids=[p.name for p in JSON_SCHEMAS])
def test_a_json_schema_is_a_valid_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))

    assert schema["$schema"] == JSON_SCHEMA_2020_12
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", XSDS, ids=[p.name for p in XSDS])
def test_an_xsd_loads(path: Path) -> None:
    schema = xmlschema.XMLSchema(str(path))

    assert schema.validity == "valid"
