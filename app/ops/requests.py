"""Per request: the request id (taken from a sane X-Request-ID or made, and returned), one access
log line, and the request metrics, all by route template so no id or query reaches a label."""

import logging
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import logs, metrics

access_log = logging.getLogger("wdv.access")
UNMATCHED = "unmatched"
REFERRAL_INTAKE = ("POST", "/v1/doorverwijzingen")


def route_template(scope: Scope, app_root_path: str) -> str | None:
    """`/v1/doorverwijzingen/{doorverwijzing_id}` for a matched route, None when nothing matched."""
    route: Any = scope.get("route")
    if route is None or (isinstance(route, Mount) and route.path != "/docs-static"):
        return None
    mounted_at = str(scope.get("root_path", ""))[len(app_root_path) :]
    return mounted_at + str(getattr(route, "path", ""))


def problem_answered(scope: Scope, reason: str) -> None:
    """Count a referral the API refused (the channel's other refusals are counted by the hub)."""
    template = route_template(scope, str(scope.get("app_root_path", "")))
    if (scope.get("method"), template) == REFERRAL_INTAKE:
        metrics.referral_refused("api", reason)


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = logs.accepted_request_id(incoming)
        logs.bind_request_id(request_id)
        app_root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            template = route_template(scope, app_root_path)
            method = str(scope.get("method", ""))
            label = template or UNMATCHED
            metrics.HTTP_REQUESTS.labels(method=method, route=label, status=str(status)).inc()
            metrics.HTTP_DURATION.labels(method=method, route=label).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": method,
                    # a path the route accepted holds ids only; any other may hold anything
                    "path": scope.get("path") if template and status < 400 else None,
                    "route": label,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
