"""The OpenAPI document: message schemas from schemas/json, problem responses, NL API rules."""

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app import API_VERSION
from app.config import get_settings
from app.http import BODY_COMPONENTS


def message_kind(name: str) -> str:
    """The specification's name of a message (its file, examples folder and XML root): the
    component name in lowerCamelCase (IngrijpendeMaatregel: ingrijpendeMaatregel)."""
    return name[0].lower() + name[1:]


MESSAGE_SCHEMAS = {
    name: f"{message_kind(name)}.v1.json"
    for name in (
        "Doorverwijzing",
        "Ontvangstbevestiging",
        "Foutbericht",
        "Statusmelding",
        "Intrekking",
        "Betalingsherstel",
        "Verlengingsverzoek",
        "Verlengingsantwoord",
        "Terugmelding",
        "IngrijpendeMaatregel",
    )
}
PROBLEM_DESCRIPTIONS = {
    400: "The request is not valid: every violation is listed with its JSON Pointer or XPath",
    401: "No valid API key",
    403: "This organisation may not do this",
    404: "Not found, or not visible to this organisation",
    409: "Conflicts with an earlier message or the current state",
    413: "The message is too large",
    415: "Send application/json or application/xml",
    422: "Understood, but it cannot be routed (unknown postcode, gemeente not taking part)",
    408: "The body did not arrive within the time allowed (BODY_TIMEOUT_SECONDS)",
    429: "Too many requests from this API key or address; wait Retry-After seconds",
    431: "The request headers are too large or too many",
    503: "The database is busy; nothing was done, try again after Retry-After seconds",
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}
# answers any operation can give, whatever it does
EVERY_OPERATION = (429, 431, 503)
CONTACT = {
    "name": "Beheer warme doorverwijzing",
    "url": "https://example.org/warme-doorverwijzing",
    "email": "beheer@example.org",
}
API_VERSION_HEADER = {
    "description": "The version of this API",
    "schema": {"type": "string", "example": API_VERSION},
}


XML_BODY = (
    "The same message as XML in namespace urn:nld:warme-doorverwijzing:berichten:v1, valid against "
    "schemas/xsd/v1/berichten.xsd: an element per property, in the order the properties are listed "
    "(xs:sequence); elements in another order are refused (400). Arrays are <i> items."
)


def message_request_body(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {
        "required": True,
        "content": {
            "application/json": {"schema": ref},
            "application/xml": {"schema": {**ref, "description": XML_BODY}},
        },
    }


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    ref = {"$ref": "#/components/schemas/Foutbericht"}
    return {
        code: {
            "description": PROBLEM_DESCRIPTIONS[code],
            "content": {
                "application/problem+json": {"schema": ref},
                "application/problem+xml": {"schema": ref},
            },
        }
        for code in codes
    }


def _hoist(name: str, schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Move a JSON Schema's `$defs` into components and point its references there."""
    schema = copy.deepcopy(schema)
    definitions = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    prefix = name

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    f"#/components/schemas/{prefix}{v.removeprefix('#/$defs/')}"
                    if k == "$ref" and isinstance(v, str)
                    else rewrite(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    components[name] = rewrite(schema)
    for key, definition in definitions.items():
        components[prefix + key] = rewrite(definition)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=[{"url": "/v1", "description": "Version 1 of this service, on this host"}],
        contact=CONTACT,
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    schemas_dir = get_settings().schemas_dir
    for name, filename in MESSAGE_SCHEMAS.items():
        _hoist(name, json.loads((schemas_dir / "json" / filename).read_text("utf-8")), components)
    _add_request_examples(document, schemas_dir)
    components.update(BODY_COMPONENTS)
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            responses.pop("422", None) if _is_framework_422(responses.get("422")) else None
            codes = EVERY_OPERATION + ((408,) if "requestBody" in operation else ())
            for code in codes:
                responses.setdefault(str(code), {"$ref": f"#/components/responses/Problem{code}"})
            for response in responses.values():
                if "$ref" not in response:
                    response.setdefault("headers", {})["API-Version"] = API_VERSION_HEADER
    shared = document["components"].setdefault("responses", {})
    for status, problem in problem_responses(*EVERY_OPERATION, 408).items():
        problem["headers"] = {"API-Version": API_VERSION_HEADER}
        if status in (429, 503):
            problem["headers"]["Retry-After"] = RETRY_AFTER_HEADER
        shared[f"Problem{status}"] = problem
    return document


# request bodies read as models (not messages): example name -> value, first one prefilled
WEBHOOK_EXAMPLE = {
    "url": "https://zaaksysteem.example.nl/webhooks/wdv",
    "soorten": ["ontvangen", "status-gewijzigd"],
}


def request_examples(schemas_dir: Path, body: str) -> dict[str, dict[str, Any]]:
    """Valid JSON examples of a request body, from the specification's own example files, so that
    "Try it out" starts from a message the service accepts. (XML examples are in schemas/examples;
    the document describes the XML form by the same JSON schema, which a string cannot match.)"""
    if body in MESSAGE_SCHEMAS:
        kind = message_kind(body)
        manifest = json.loads((schemas_dir / "examples" / "manifest.json").read_text("utf-8"))
        files = [name for name in manifest[kind]["valid"] if name.endswith(".json")]
        return {
            Path(name).stem: _example_value(schemas_dir / "examples" / kind / name, Path(name).stem)
            for name in files
        }
    if body == "Statusupdate":
        folder = schemas_dir / "peers" / "vroegsignalering" / "v1" / "examples"
        return {
            path.stem: _example_value(path, path.stem) for path in sorted(folder.glob("statusupdate-*.json"))
        }
    if body == "Adres":
        volledig = schemas_dir / "examples" / "doorverwijzing" / "valid-volledig.json"
        adres = json.loads(volledig.read_text("utf-8"))["inwoner"]["adres"]
        keys = ("postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
        return {"adres": {"summary": "adres", "value": {k: adres[k] for k in keys if k in adres}}}
    if body == "NieuwAbonnement":
        return {"webhook": {"summary": "webhook", "value": WEBHOOK_EXAMPLE}}
    return {}


def _example_value(path: Path, summary: str) -> dict[str, Any]:
    return {"summary": summary, "value": json.loads(path.read_text("utf-8"))}


def _add_request_examples(document: dict[str, Any], schemas_dir: Path) -> None:
    """Examples live in components/examples; request bodies refer to them."""
    shared = document["components"].setdefault("examples", {})
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            schema = content.get("schema", {})
            body = schema.get("$ref", "").rsplit("/", 1)[-1] or schema.get("title", "")
            references = {}
            for name, example in request_examples(schemas_dir, body).items():
                shared[f"{body}-{name}"] = example
                references[name] = {"$ref": f"#/components/examples/{body}-{name}"}
            if references:
                content["examples"] = references


def _is_framework_422(response: dict[str, Any] | None) -> bool:
    if not response:
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
