"""HTTP plumbing shared by every route: headers, content negotiation, bounded bodies, problems."""

import asyncio
import base64
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import API_VERSION
from app.config import Settings
from app.errors import (
    HeadersTooLarge,
    InvalidMessage,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    RequestTimeout,
    ServiceUnavailable,
    TooManyRequests,
    UnsupportedMediaType,
    Violation,
)
from app.messages import xml
from app.messages.specs import MessageKind, spec
from app.messages.validation import Message as ValidMessage
from app.messages.validation import invalid_message, json_pointer, media_type, parse_json, read_message
from app.ops.requests import problem_answered
from app.ratelimit import Limits
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
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# the only HTML the service serves is the API docs (Swagger UI from the package): its scripts
# and styles come from this service, its one inline script is allowed by its hash
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
XML_MEDIA_TYPES = ("application/xml", "text/xml", "application/problem+xml")
METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
DB_RETRY_AFTER = 2  # seconds a client is asked to wait when the database is busy


def client_address(scope: Scope) -> str:
    """The caller's address (as the server saw it, or from a trusted proxy's header)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _docs_policy(html: bytes) -> bytes:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(html)
    )
    return DOCS_POLICY.format(hashes=hashes).encode()


class SecurityHeaders:
    """Adds API-Version and the security headers of the NL API Design Rules to every response;
    HSTS when served over https; a content security policy fitted to the docs page."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [HSTS] if self.hsts or scope.get("scheme") == "https" else []
        html_start: Message | None = None
        html_body = bytearray()

        def with_headers(message: Message, *, policy: bytes | None = None) -> Message:
            headers = [
                (name, value)
                for name, value in message.get("headers", [])
                if not (policy and name.lower() == b"content-security-policy")
            ]
            if policy:
                headers.append((b"content-security-policy", policy))
            present = {name.lower() for name, _ in headers}
            added = [header for header in SECURITY_HEADERS + extra if header[0] not in present]
            return {**message, "headers": headers + added}

        async def send_with_headers(message: Message) -> None:
            nonlocal html_start
            if message["type"] == "http.response.start":
                headers = {name.lower(): value for name, value in message.get("headers", [])}
                content_type = headers.get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in headers:
                    # a page without a policy of its own (the docs): the policy depends on its body
                    html_start = message
                    return
                await send(with_headers(message))
                return
            if html_start is not None and message["type"] == "http.response.body":
                html_body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                await send(with_headers(html_start, policy=_docs_policy(bytes(html_body))))
                await send({"type": "http.response.body", "body": bytes(html_body)})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLimits:
    """Refuses, before any route runs, requests whose headers are too large (431) and callers
    past their address's request budget (429)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, limits: Limits) -> None:
        self.app = app
        self.settings = settings
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        error: ProblemError | None = None
        headers = scope.get("headers", [])
        size = sum(len(name) + len(value) + 4 for name, value in headers)
        if len(headers) > self.settings.max_header_count:
            error = HeadersTooLarge(f"send at most {self.settings.max_header_count} headers")
        elif size > self.settings.max_header_bytes:
            error = HeadersTooLarge(f"headers are limited to {self.settings.max_header_bytes} bytes together")
        elif (wait := self.limits.per_address.take(client_address(scope))) is not None:
            error = TooManyRequests("this address has made too many requests", retry_after=wait)
        if error is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(error, Request(scope))
        await response(scope, receive, send)


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
    """The request body, refused with 413 as soon as it passes the configured limit and with 408
    when it does not arrive in time (a client trickling a body holds nothing meanwhile)."""
    settings = settings_of(request)
    limit = settings.max_message_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"messages are limited to {limit} bytes")
    body = bytearray()
    try:
        async with asyncio.timeout(settings.body_timeout_seconds):
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > limit:
                    raise PayloadTooLarge(f"messages are limited to {limit} bytes")
    except TimeoutError:
        raise RequestTimeout(
            f"the body did not arrive within {settings.body_timeout_seconds:g} seconds"
        ) from None
    return bytes(body)


def validation_pool(settings: Settings) -> ThreadPoolExecutor:
    """Threads for parsing and validating messages: CPU-bound work stays off the event loop."""
    return ThreadPoolExecutor(max_workers=settings.validation_threads, thread_name_prefix="validation")


async def read_valid_message(request: Request, kind: MessageKind, body: bytes) -> ValidMessage:
    """`body` parsed and validated as a `kind` message in the validation threads, within the
    configured limits; raises InvalidMessage (400) or UnsupportedMediaType (415)."""
    settings = settings_of(request)
    check = partial(
        read_message,
        kind,
        body,
        request.headers.get("content-type"),
        max_depth=settings.max_message_depth,
        max_elements=settings.max_xml_elements,
        max_attributes=settings.max_xml_attributes,
        max_violations=settings.max_violations,
    )
    pool: ThreadPoolExecutor = request.app.state.validation_pool
    return await asyncio.get_running_loop().run_in_executor(pool, check)


def message_body(kind: MessageKind) -> Callable[[Request], Awaitable[ValidMessage]]:
    """A dependency reading the request body as a message of specification v1 (JSON or XML),
    validated against its schema and rules off the event loop: 408, 413, 415, or 400 listing every
    violation."""

    async def dependency(request: Request) -> ValidMessage:
        return await read_valid_message(request, kind, await read_body(request))

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
            raise invalid_message("in the request body", violations) from None

    return dependency


def openapi_json_body(model: type[BaseModel]) -> dict[str, Any]:
    """The requestBody of an operation whose body is read by `json_body(model)`; the schemas it
    refers to are added to the document's components (see app.openapi)."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    BODY_COMPONENTS.update(schema.pop("$defs", {}))
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def instance_of(request: Request) -> str:
    """The path as a URI reference: whatever arrived percent-decoded (control characters,
    spaces, non-ASCII) is encoded again, so a problem never echoes raw input."""
    path = request.scope.get("path", "/")
    return quote(path, safe="/:@!$&'()*+,;=-._~", errors="surrogatepass")


def allowed_methods(request: Request, fallback: str) -> str:
    """Every method the API document lists for this path (several routes can share one path),
    and `fallback`, the matched route's own (for paths outside the document)."""
    methods = {method.strip().upper() for method in fallback.split(",") if method.strip()}
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    paths = request.app.openapi().get("paths", {}) if request.app.openapi_url else {}
    for template, item in paths.items():
        if re.fullmatch(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in item if method.upper() in METHOD_ORDER}
    return ", ".join(sorted(methods, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99))


def problem_response(error: ProblemError, request: Request) -> Response:
    problem_answered(request.scope, error.slug)
    body = error.problem(instance=instance_of(request))
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
            allow = allowed_methods(request, dict(exc.headers or {}).get("Allow", ""))
            error = MethodNotAllowed("this method is not allowed on this path", headers={"Allow": allow})
        else:
            error = ProblemError(str(exc.detail), status=exc.status_code)
        return problem_response(error, request)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        violations = _request_validation_violations(exc)
        return problem_response(InvalidMessage("the request is not valid", violations=violations), request)

    async def on_database_busy(request: Request, exc: Exception) -> Response:
        # no connection free in time, the SQLite write lock not granted in time, or the database
        # briefly unreachable: the request did nothing, so the client may simply try again
        logger.warning("database busy on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        busy = ServiceUnavailable("the database is busy; try again shortly", retry_after=DB_RETRY_AFTER)
        return problem_response(busy, request)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            ProblemError("the service could not handle this request; it was logged"), request
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(PoolTimeout, on_database_busy)
    app.add_exception_handler(OperationalError, on_database_busy)
    app.add_exception_handler(Exception, on_unexpected)
