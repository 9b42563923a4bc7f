"""Sending one webhook over HTTP: outside any transaction, bounded in time and in what is read.

Use a client from `targets.webhook_client`: it connects only to addresses it checked itself."""

import asyncio
import time
from collections.abc import Iterable

import httpx

from app.delivery import schedule, targets
from app.delivery.channels import Outcome

READ_LIMIT = 4096


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    payload: bytes,
    headers: dict[str, str],
    allow_local: bool,
    ports: Iterable[int] = (),
    limit: float = schedule.TIMEOUT.total_seconds(),
) -> Outcome:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        # the URL as stored may predate today's rules; the address is checked again on connecting
        targets.check_syntax(url, allow_local=allow_local, ports=ports)
        # the whole exchange is bounded, not each read: a receiver trickling bytes is cut off too
        async with (
            asyncio.timeout(limit),
            client.stream("POST", url, content=payload, headers=headers, timeout=limit) as response,
        ):
            excerpt = bytearray()
            async for chunk in response.aiter_bytes():
                excerpt.extend(chunk)
                if len(excerpt) >= READ_LIMIT:
                    break
    except targets.TargetRefused as exc:
        return Outcome(statuscode=None, duur_ms=elapsed(), antwoord=None, fout=str(exc))
    except (httpx.TimeoutException, TimeoutError):
        return Outcome(None, elapsed(), None, f"no answer within {limit:.0f} s")
    except Exception as exc:  # any failure of one attempt is that attempt's outcome, never the batch's
        return Outcome(None, elapsed(), None, f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(
        statuscode=response.status_code,
        duur_ms=elapsed(),
        antwoord=excerpt.decode("utf-8", errors="replace"),
        fout=None if response.is_success else f"HTTP {response.status_code}",
        retry_after=schedule.parse_retry_after(response.headers.get("retry-after")),
    )
