"""A real webhook receiver on loopback for the delivery tests.

A small Starlette app served on a free 127.0.0.1 port (tests/support/loopback.py). Like a
careful receiver it verifies every request per Standard Webhooks, parses it as a CloudEvent, and
deduplicates on `webhook-id`. It can be told to answer the next requests with an error status, to
hang longer than the sender's timeout, or to answer every request slowly.
"""

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.support.loopback import serving

TRICKLE_INTERVAL = 0.2  # seconds between the bytes of a trickled answer


@dataclass(frozen=True)
class Received:
    """One verified request: the Standard Webhooks headers and the parsed CloudEvent."""

    webhook_id: str
    signature: str
    timestamp: str
    body: bytes
    attributes: dict[str, Any]
    data: Any
    answered: int  # the status the receiver answered with

    @property
    def id(self) -> str:
        return str(self.attributes["id"])

    @property
    def type(self) -> str:
        return str(self.attributes["type"])

    @property
    def headers(self) -> dict[str, str]:
        """The signature headers as sent, to verify again with another secret."""
        return {
            "webhook-id": self.webhook_id,
            "webhook-timestamp": self.timestamp,
            "webhook-signature": self.signature,
        }


@dataclass(frozen=True)
class Scripted:
    """How to answer one upcoming request instead of 200."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    hang_seconds: float = 0.0
    trickle_seconds: float = 0.0  # answer 200 at once, then send the body a byte at a time this long


class Receiver:
    """State shared between the server thread and the test (guarded by a lock)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.secrets: list[str] = []  # a request verifying with any of these is accepted
        self.delay_seconds = 0.0  # every accepted request waits this long before answering
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._script: deque[Scripted] = deque()
        self._requests: list[Received] = []
        self._rejected: list[str] = []

    # --- telling it what to do ------------------------------------------------------------------

    def answer_next(
        self, count: int, status: int, *, headers: dict[str, str] | None = None, body: str = ""
    ) -> None:
        """Answer the next `count` verified requests with `status` (and these headers and body)."""
        with self._lock:
            self._script.extend(Scripted(status, headers or {}, body) for _ in range(count))

    def hang_next(self, count: int, seconds: float) -> None:
        """Keep the next `count` requests waiting `seconds` before answering 200."""
        with self._lock:
            self._script.extend(Scripted(hang_seconds=seconds) for _ in range(count))

    def trickle_next(self, count: int, seconds: float) -> None:
        """Answer the next `count` requests 200 at once but send the body a byte at a time, each
        byte well within a read timeout, for `seconds` in all."""
        with self._lock:
            self._script.extend(Scripted(trickle_seconds=seconds) for _ in range(count))

    # --- what it saw ------------------------------------------------------------------------------

    @property
    def requests(self) -> list[Received]:
        """Every verified request, in arrival order, whatever was answered."""
        with self._lock:
            return list(self._requests)

    @property
    def accepted(self) -> list[Received]:
        """Verified requests the receiver processed (answered 2xx), duplicates included."""
        return [r for r in self.requests if 200 <= r.answered < 300]

    @property
    def events(self) -> list[Received]:
        """What the receiver's system holds: accepted requests deduplicated on webhook-id."""
        seen: dict[str, Received] = {}
        for request in self.accepted:
            seen.setdefault(request.webhook_id, request)
        return list(seen.values())

    @property
    def rejected(self) -> list[str]:
        """Why requests were refused (bad signature, not a CloudEvent); empty when all was well."""
        with self._lock:
            return list(self._rejected)

    # --- the ASGI side ----------------------------------------------------------------------------

    async def _wait(self, seconds: float) -> None:
        """Wait, but give up at once when the server is stopping."""
        if seconds > 0:
            await asyncio.to_thread(self._closing.wait, seconds)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            secrets = list(self.secrets)
        try:
            _verify(body, headers, secrets)
            event = from_http(HTTPMessage(headers=headers, body=body), JSONFormat())
        except Exception as exc:
            with self._lock:
                self._rejected.append(f"{type(exc).__name__}: {exc}")
            return Response(f"refused: {exc}", status_code=401)
        with self._lock:
            answer = self._script.popleft() if self._script else Scripted()
            self._requests.append(
                Received(
                    webhook_id=headers["webhook-id"],
                    signature=headers["webhook-signature"],
                    timestamp=headers["webhook-timestamp"],
                    body=body,
                    attributes=dict(event.get_attributes()),
                    data=event.get_data(),
                    answered=answer.status,
                )
            )
            delay = self.delay_seconds
        await self._wait(answer.hang_seconds or delay)
        if answer.trickle_seconds:
            return StreamingResponse(self._trickle(answer.trickle_seconds), status_code=answer.status)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    async def _trickle(self, seconds: float) -> AsyncIterator[bytes]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._closing.is_set():
            yield b"."
            await self._wait(TRICKLE_INTERVAL)


def _verify(body: bytes, headers: dict[str, str], secrets: list[str]) -> None:
    if not secrets:
        raise ValueError("the receiver has no secret to verify with")
    errors: list[Exception] = []
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers)
        except Exception as exc:
            errors.append(exc)
        else:
            return
    raise errors[0]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """Serve a receiver on a free loopback port for the duration of the block."""
    made: list[Receiver] = []

    def app_for(base_url: str) -> Starlette:
        receiver = Receiver(f"{base_url}/webhooks/wdv")
        made.append(receiver)
        return Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])

    with serving(app_for):
        try:
            yield made[0]
        finally:
            made[0]._closing.set()  # hanging and trickling answers end at once
