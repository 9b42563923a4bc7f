"""Serve an ASGI app (a peer simulator, or the service itself) with uvicorn in a background thread
on a free 127.0.0.1 port, over http or over TLS, as `tests/support/receiver.py` serves its receiver."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp

STARTUP_DEADLINE = 20.0  # seconds


@contextmanager
def serving(
    make_app: Callable[[str], ASGIApp],
    *,
    lifespan: Literal["on", "off"] = "off",
    tls: dict[str, Any] | None = None,
    **options: Any,
) -> Iterator[str]:
    """Yield the base URL of `make_app(base_url)` served on loopback; the URL is known before the
    app is made, so an app can be told its own public address. `options` go to uvicorn."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        make_app(url),
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        loop="asyncio",
        http="h11",
        timeout_graceful_shutdown=1,
        **(tls or {}),
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_DEADLINE
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the app at {url} did not start")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
