"""HTTP plumbing shared by every route: headers, content negotiation, bounded bodies, problems."""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as ASGIMessage

from app import API_VERSION
from app.config import Settings
from app.errors import (
    InvalidMessage,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    UnsupportedMediaType,
    Violation,
)
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import Message, json_pointer, media_type, parse_json, read_message
from app.ops.requests import problem_answered
from app.routing.service import RoutingCache

logger = logging.getLogger("wdv")
ModelT = TypeVar("ModelT", bound=BaseModel)
BODY_COMPONENTS: dict[str, Any] = {}

SECURITY_HEADERS = [
    (b"api-version", API_VERSION.encode()),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
]
XML_MEDIA_TYPES = ("application/xml", "text/xml", "application/problem+xml")


class SecurityHeaders:
    """Adds API-Version and the security headers of the NL API Design Rules to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: ASGIMessage) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in SECURITY_HEADERS if header[0] not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def settings_of(request: Request) -> Settings:
    """The settings the app was created with (tests and embedders pass their own)."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(settings_of)]


def routing_of(request: Request) -> RoutingCache:
    """The app's routing table in memory."""
    routing: RoutingCache = request.app.state.routing
    return routing


def wants_xml(request: Request) -> bool:
    """True when the Accept header prefers XML over JSON (by q-value, then by order)."""
    best: tuple[float, int, bool] | None = None
    for position, part in enumerate(request.headers.get("accept", "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        quality = 1.0
        for parameter in fields[1:]:
            if parameter.startswith("q="):
                try:
                    quality = float(parameter[2:])
                except ValueError:
                    quality = 0.0
        is_xml = media in XML_MEDIA_TYPES
        if quality > 0 and (is_xml or media.endswith("json") or media in ("*/*", "application/*")):
            candidate = (quality, -position, is_xml)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return bool(best and best[2])


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the configured limit."""
    limit = settings_of(request).max_message_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"messages are limited to {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"messages are limited to {limit} bytes")
    return bytes(body)


def message_body(kind: MessageKind) -> Callable[[Request], Awaitable[Message]]:
    """A dependency reading the request body as a message of specification v1 (JSON or XML),
    validated against its schema and rules: 413, 415 or 400 listing every violation."""

    async def dependency(request: Request) -> Message:
        body = await read_body(request)
        return read_message(
            kind,
            body,
            request.headers.get("content-type"),
            max_depth=settings_of(request).max_message_depth,
        )

    return dependency


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency reading a small JSON body into `model` through the same guards as messages:
    size limit (413), media type (415), syntax, depth and duplicate members, then every
    violation of the model at once (400)."""

    async def dependency(request: Request) -> ModelT:
        body = await read_body(request)
        mt = media_type(request.headers.get("content-type"))
        if mt != "application/json" and not mt.endswith("+json"):
            raise UnsupportedMediaType(f"send application/json, not {mt or 'nothing'}")
        data = parse_json(body, max_depth=settings_of(request).max_message_depth)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            violations = [
                Violation(json_pointer(error["loc"]), error["msg"]) for error in exc.errors(include_url=False)
            ]
            raise InvalidMessage("the request body is not valid", violations=violations) from None

    return dependency


def openapi_json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The requestBody of an operation whose body is read by `json_body(model)`; the schemas it
    refers to are added to the document's components (see app.openapi)."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    BODY_COMPONENTS.update(schema.pop("$defs", {}))
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def problem_response(error: ProblemError, request: Request) -> Response:
    problem_answered(request.scope, error.slug)
    body = error.problem(instance=request.url.path)
    headers = error.headers
    if wants_xml(request):
        problem_spec = spec(MessageKind.FOUTBERICHT)
        return Response(
            xml.to_xml(problem_spec, body),
            status_code=error.status,
            media_type="application/problem+xml",
            headers=headers,
        )
    return JSONResponse(
        body, status_code=error.status, media_type="application/problem+json", headers=headers
    )


def _request_validation_violations(exc: RequestValidationError) -> list[Violation]:
    """Path and query parameters (bodies are read by `json_body` or as messages)."""
    return [
        Violation(json_pointer(list(error.get("loc", ()))), str(error.get("msg", "is not valid")))
        for error in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request)

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error: ProblemError
        if exc.status_code == 404:
            error = NotFound("there is no resource at this path")
        elif exc.status_code == 405:
            error = MethodNotAllowed(
                "this method is not allowed on this path", headers=dict(exc.headers or {})
            )
        else:
            error = ProblemError(str(exc.detail), status=exc.status_code)
        return problem_response(error, request)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        violations = _request_validation_violations(exc)
        return problem_response(InvalidMessage("the request is not valid", violations=violations), request)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            ProblemError("the service could not handle this request; it was logged"), request
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
