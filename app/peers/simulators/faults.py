"""Failure injection shared by the simulators: the next N requests fail in a chosen way."""

import asyncio
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SOORTEN = ("timeout", "500", "fault", "onzin")


@dataclass
class Storing:
    soort: str = ""
    aantal: int = 0
    vertraging: float = 30.0
    gezien: list[str] = field(default_factory=list)

    def next(self) -> str | None:
        if self.aantal <= 0:
            return None
        self.aantal -= 1
        return self.soort

    async def apply(self, soort: str, fault: bytes | None = None) -> Response:
        if soort == "timeout":
            await asyncio.sleep(self.vertraging)
            return Response(status_code=504)
        if soort == "fault" and fault is not None:
            return Response(fault, status_code=500, media_type="text/xml")
        if soort == "onzin":
            return Response(b"<html>proxy error", status_code=200, media_type="text/html")
        return Response(b"storing", status_code=500)


async def configure(storing: Storing, request: Request) -> Response:
    """POST {"soort": "timeout"|"500"|"fault"|"onzin", "aantal": n, "vertraging": s}."""
    body = await request.json()
    if body.get("soort") not in SOORTEN or not isinstance(body.get("aantal"), int):
        return JSONResponse({"fout": f"soort one of {SOORTEN}, aantal an integer"}, status_code=400)
    storing.soort, storing.aantal = body["soort"], body["aantal"]
    storing.vertraging = float(body.get("vertraging", storing.vertraging))
    return JSONResponse({"soort": storing.soort, "aantal": storing.aantal})
