"""A bound on what a browser may post to a page, so a form can never fill the memory (the API
bounds its own bodies by MAX_MESSAGE_BYTES)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = (
    b'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Te veel gegevens</title></head>'
    b"<body><h1>Te veel gegevens</h1><p>Het formulier bevat meer tekst dan de dienst aanneemt. "
    b"Maak de tekst korter en probeer het opnieuw.</p></body></html>"
)


class FormBodyLimit:
    """Reads a page's request body up front and answers 413 when it passes `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD") or scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(send)
                return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": TOO_LARGE})
