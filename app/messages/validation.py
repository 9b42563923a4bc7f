"""Reads a message in JSON or XML and returns its JSON form, or every violation found.

Schema errors come from the JSON Schema (JSON) or the XSD (XML); semantic rules (elfproef,
postcode, dates in the future, cents) run on the JSON form of both, so the two formats give the
same answers, located by JSON Pointer or XPath respectively.
"""

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xmlschema
from jsonschema import ValidationError

from app.errors import InvalidMessage, UnsupportedMediaType, Violation
from app.messages import xml
from app.messages.rules import RULES
from app.messages.specs import MessageKind, MessageSpec, spec

JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")
# an answer lists at most this many violations (and says it stopped): a hostile message with
# thousands of faults costs no more than one with a hundred
MAX_VIOLATIONS = 100
TRUNCATED = "errorsTruncated"


@dataclass(frozen=True)
class Message:
    data: dict[str, Any]
    is_xml: bool


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def read_message(
    kind: MessageKind,
    body: bytes,
    content_type: str | None,
    *,
    max_depth: int,
    max_elements: int = xml.MAX_ELEMENTS,
    max_attributes: int = xml.MAX_ATTRIBUTES,
    max_violations: int = MAX_VIOLATIONS,
) -> Message:
    """Parse and validate; raises InvalidMessage listing every violation (up to `max_violations`,
    then saying the list was cut short), or UnsupportedMediaType. CPU-bound: a route runs it in
    the validation thread pool (app.http.read_valid_message), never on the event loop."""
    mt = media_type(content_type)
    message_spec = spec(kind)
    if mt in JSON_TYPES or mt.endswith("+json"):
        data = parse_json(body, max_depth=max_depth)
        violations = list(itertools.islice(json_violations(message_spec, data), max_violations + 1))
        is_xml = False
    elif mt in XML_TYPES or mt.endswith("+xml"):
        data, violations = _read_xml(
            message_spec,
            body,
            max_depth=max_depth,
            max_elements=max_elements,
            max_attributes=max_attributes,
            max_violations=max_violations,
        )
        is_xml = True
    else:
        raise UnsupportedMediaType(
            f"send the message as application/json or application/xml, not {mt or 'nothing'}"
        )
    if not violations:
        violations = [
            Violation(xml.pointer_to_xpath(message_spec, v.location), v.detail, v.code, xml=True)
            if is_xml
            else v
            for v in rule_violations(kind, data)
        ]
    if violations:
        raise invalid_message(f"of the {kind.value} v1 specification", violations, limit=max_violations)
    return Message(data=data, is_xml=is_xml)


def invalid_message(what: str, violations: list[Violation], *, limit: int = MAX_VIOLATIONS) -> InvalidMessage:
    """400 listing the violations; past `limit` the list is cut and the problem says so."""
    if len(violations) > limit:
        return InvalidMessage(
            f"more than {limit} violations {what}; the first {limit} are listed",
            violations=violations[:limit],
            extra={TRUNCATED: True},
        )
    return InvalidMessage(f"{len(violations)} violation(s) {what}", violations=violations)


def violation_at(kind: MessageKind, pointer: str, detail: str, code: str, *, is_xml: bool) -> Violation:
    """A violation found while applying a message, located the way the message arrived."""
    if is_xml:
        return Violation(xml.pointer_to_xpath(spec(kind), pointer), detail, code, xml=True)
    return Violation(pointer, detail, code)


def rule_violations(kind: MessageKind, data: dict[str, Any]) -> list[Violation]:
    """The semantic rules of a schema-valid message (JSON form, located by pointer)."""
    return [violation for check in RULES.get(kind, []) for violation in check(data)]


def data_violations(kind: MessageKind, data: dict[str, Any]) -> list[Violation]:
    """Schema and rules for a message the service built itself from another system's data."""
    return list(json_violations(spec(kind), data)) or rule_violations(kind, data)


# --- JSON ------------------------------------------------------------------------------------


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value
    return result


class _NonFinite:
    """Stands in for NaN or Infinity while parsing, so the refusal can name where it was."""


NON_FINITE = _NonFinite()


def parse_json(body: bytes, *, max_depth: int) -> dict[str, Any]:
    """Strict JSON: no duplicate members, no NaN or Infinity, no lone surrogates, bounded depth.
    Values that JSON cannot carry are refused with their pointer (400), never stored."""
    try:
        data = json.loads(
            body,
            parse_float=Decimal,
            parse_constant=lambda _name: NON_FINITE,
            object_pairs_hook=_reject_duplicates,
        )
    except RecursionError as exc:
        raise _not_parseable("the JSON is nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise _not_parseable(f"the body is not valid JSON: {exc}") from exc
    if _json_depth(data) > max_depth:
        raise _not_parseable(f"the JSON is nested deeper than {max_depth} levels")
    if unrepresentable := list(itertools.islice(_unrepresentable(data), MAX_VIOLATIONS + 1)):
        raise invalid_message("of JSON as this service accepts it", unrepresentable)
    if not isinstance(data, dict):
        raise _not_parseable("the message must be a JSON object")
    return data


def _json_depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)
    return deepest


def _unrepresentable(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Violation]:
    """NaN and Infinity, numbers beyond a double, and text with lone surrogates (not Unicode
    that UTF-8 can carry), each with its JSON Pointer. The depth is already bounded."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not _is_unicode(key):
                yield Violation(json_pointer([*path, key.encode("utf-8", "replace").decode()]), _SURROGATE)
            yield from _unrepresentable(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unrepresentable(item, (*path, index))
    elif value is NON_FINITE:
        yield Violation(json_pointer(path), "must be a finite number (NaN and Infinity are not JSON)")
    elif isinstance(value, Decimal) and not math.isfinite(float(value)):
        yield Violation(json_pointer(path), "is too large a number")
    elif isinstance(value, str) and not _is_unicode(value):
        yield Violation(json_pointer(path), _SURROGATE)


_SURROGATE = "contains a lone surrogate (\\ud800-\\udfff), which is not a Unicode character"


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_parseable(detail: str, *, xpath: str | None = None) -> InvalidMessage:
    """A body that could not be read as a document: located at the document itself (the empty
    JSON Pointer, or the XPath of the root element the message should have had)."""
    violation = Violation(xpath, detail, "syntax", xml=True) if xpath else Violation("", detail, "syntax")
    return InvalidMessage(detail, violations=[violation])


def json_violations(message_spec: MessageSpec, data: Any) -> Iterator[Violation]:
    """Schema violations, by location. Only the first errors are looked at (enough to fill an
    answer), so a message with thousands of faults is not explained thousands of times."""
    seen: set[tuple[str, str]] = set()
    first = itertools.islice(message_spec.validator.iter_errors(data), MAX_VIOLATIONS + 1)
    errors = sorted(first, key=lambda e: [_order(step) for step in e.absolute_path])
    for error in errors:
        for pointer, detail in _explain(error):
            if (pointer, detail) not in seen:
                seen.add((pointer, detail))
                yield Violation(pointer, detail)


def _order(step: str | int) -> tuple[int, str]:
    """Sort key of one path step: array positions numerically, before member names."""
    return (0, f"{step:012d}") if isinstance(step, int) else (1, step)


def json_pointer(path: Any) -> str:
    """RFC 6901: each step escaped (`~` as `~0`, `/` as `~1`)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _explain(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Readable, value-free explanations (personal data is never echoed back or logged)."""
    here = json_pointer(error.absolute_path)
    keyword, expected, instance = error.validator, error.validator_value, error.instance
    if keyword == "required" and isinstance(instance, dict):
        for name in expected:
            if name not in instance:
                yield f"{here}/{name}", "is required"
    elif keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        for name in instance:
            if name not in known:
                yield f"{here}/{json_pointer([name])[1:]}", "is not a field of this message"
    elif keyword in ("oneOf", "anyOf"):
        alternatives = [sorted(s.get("required", [])) for s in expected]
        if all(alternatives) and isinstance(instance, dict):
            names = ", ".join(" + ".join(a) for a in alternatives)
            quantity = "exactly one" if keyword == "oneOf" else "at least one"
            yield here, f"needs {quantity} of: {names}"
        else:
            yield here, "does not match any allowed form"
    else:
        yield here, _describe(keyword, expected, error)


_DESCRIPTIONS: dict[str, Callable[[Any], str]] = {
    "type": lambda expected: f"must be of type {expected}",
    "enum": lambda expected: "must be one of: " + ", ".join(map(str, expected)),
    "const": lambda expected: f"must be {json.dumps(expected)}",
    "pattern": lambda expected: f"does not match the pattern {expected}",
    "format": lambda expected: f"is not a valid {expected}",
    "minLength": lambda expected: f"must be at least {expected} characters",
    "maxLength": lambda expected: f"must be at most {expected} characters",
    "minimum": lambda expected: f"must be at least {expected}",
    "maximum": lambda expected: f"must be at most {expected}",
    "exclusiveMinimum": lambda expected: f"must be greater than {expected}",
    "exclusiveMaximum": lambda expected: f"must be less than {expected}",
}


def _describe(keyword: str, expected: Any, error: ValidationError) -> str:
    """What a schema keyword demands, in words, without the value that broke it."""
    if keyword in _DESCRIPTIONS:
        return _DESCRIPTIONS[keyword](expected)
    if keyword in ("minItems", "maxItems", "minProperties", "maxProperties"):
        return f"violates {keyword} {expected}"
    return f"violates {keyword}"


# --- XML -------------------------------------------------------------------------------------


def _read_xml(
    message_spec: MessageSpec,
    body: bytes,
    *,
    max_depth: int,
    max_elements: int,
    max_attributes: int,
    max_violations: int,
) -> tuple[dict[str, Any], list[Violation]]:
    root_path = f"/{message_spec.root}"
    try:
        root = xml.parse_xml(
            body, max_depth=max_depth, max_elements=max_elements, max_attributes=max_attributes
        )
    except (xml.MalformedXml, xml.UnsafeXml) as exc:
        raise _not_parseable(f"the body is not acceptable XML: {exc}", xpath=root_path) from exc
    expected_root = f"{{{message_spec.namespace}}}{message_spec.root}"
    if root.tag != expected_root:
        detail = f"the root element must be {message_spec.root} in namespace {message_spec.namespace}"
        return {}, [Violation(xml.element_path(root), detail, xml=True)]
    errors = itertools.islice(message_spec.xsd.iter_errors(root), max_violations + 1)
    violations = [_xsd_violation(e, root_path) for e in errors]
    if violations:
        return {}, violations
    return xml.to_data(message_spec, root), []


def _xsd_violation(error: xmlschema.XMLSchemaValidationError, root_path: str) -> Violation:
    """Locate an XSD error where its JSON twin would be: the missing, unknown or invalid field."""
    element = error.elem
    here = xml.element_path(element) if element is not None and hasattr(element, "getparent") else root_path
    if not isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        return Violation(here, _without_values(error.reason), xml=True)
    expected = [getattr(p, "local_name", None) for p in (error.expected or [])]
    child = error.invalid_child if hasattr(getattr(error, "invalid_child", None), "getparent") else None
    model_elements = getattr(error.validator, "iter_elements", list)
    known = {getattr(e, "local_name", None) for e in model_elements()}
    if child is not None and xml.local_name(child) not in known:
        return Violation(xml.element_path(child), "is not a field of this message", xml=True)
    if len(expected) == 1 and expected[0] and expected[0] != xml.ARRAY_ITEM:
        return Violation(f"{here}/{expected[0]}", "is required here", xml=True)
    if len(expected) > 1 and all(expected):
        return Violation(here, "needs one of: " + ", ".join(str(name) for name in expected), xml=True)
    return Violation(here, _without_values(error.reason), xml=True)


def _without_values(reason: str | None) -> str:
    """The XSD's reason with quoted input left out: error texts never echo personal data."""
    return re.sub(r"'[^']*'", "…", reason) if reason else "does not match the XSD"
