"""A Vroegsignalering simulator: stores signals per the proposed contract and, when a tester says
so, pushes status updates to the service's callback with the uitvoerder's API key.

API under /api/v1 (POST /signalen, POST /signalen/{ID}/intrekking, GET /signalen/{ID}); control in
JSON under /_sim: `POST /_sim/signalen/{ID}/statusupdate` with {status?, datumOpgepakt?, contactpogingen?,
resultaat?, toelichting?}, `GET /_sim/signalen`, `POST /_sim/storing`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.peers.simulators.faults import Storing, configure

REDENEN = ("betaald", "betalingsregeling", "onterecht", "overig")


@dataclass
class Signaal:
    inhoud: dict[str, Any]
    status: str = "Nog niet opgepakt"
    ingetrokken: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Register:
    signalen: dict[str, Signaal] = field(default_factory=dict)
    storing: Storing = field(default_factory=Storing)


def _problem(status: int, detail: str) -> Response:
    body = {"type": "about:blank", "title": "Ongeldig verzoek", "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


class Simulator:
    """The simulator's handlers over one register."""

    def __init__(
        self, state: Register, callback_key: str | None, callback_client: httpx.AsyncClient | None
    ) -> None:
        self.state, self.callback_key, self.callback_client = state, callback_key, callback_client

    async def failing(self) -> Response | None:
        soort = self.state.storing.next()
        return await self.state.storing.apply(soort) if soort else None

    async def post_signaal(self, request: Request) -> Response:
        if failure := await self.failing():
            return failure
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "the body is not JSON")
        missing = [
            k
            for k in ("ID", "warmeOverdracht", "client", "signaalpartner", "statusCallback")
            if k not in body
        ]
        if missing or body.get("warmeOverdracht") is not True or "achternaam" not in body.get("client", {}):
            return _problem(400, f"not a warm signal; missing {missing or ['warmeOverdracht/achternaam']}")
        if body["ID"] in self.state.signalen:
            return JSONResponse({"ID": body["ID"]}, status_code=200)
        self.state.signalen[body["ID"]] = Signaal(body)
        return JSONResponse({"ID": body["ID"]}, status_code=201)

    async def intrekking(self, request: Request) -> Response:
        if failure := await self.failing():
            return failure
        signaal = self.state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        body = await request.json()
        if body.get("reden") not in REDENEN:
            return _problem(400, f"reden one of {REDENEN}")
        signaal.ingetrokken = body["reden"]
        return Response(status_code=204)

    async def get_signaal(self, request: Request) -> Response:
        signaal = self.state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        return JSONResponse(signaal.inhoud | {"status": signaal.status, "ingetrokken": signaal.ingetrokken})

    async def push_update(self, request: Request) -> Response:
        signaal = self.state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        if not self.callback_key:
            return _problem(409, "start the simulator with the uitvoerder's API key to push updates")
        update = {
            "updateId": str(uuid.uuid4()),
            "signaalId": signaal.inhoud["ID"],
            "tijdstip": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        } | await request.json()
        if update.get("status"):
            signaal.status = update["status"]
        signaal.updates.append(update)
        client = self.callback_client or httpx.AsyncClient(timeout=15)
        try:
            answer = await client.post(
                signaal.inhoud["statusCallback"],
                json=update,
                headers={"Authorization": f"Bearer {self.callback_key}"},
            )
        finally:
            if self.callback_client is None:
                await client.aclose()
        return JSONResponse(
            {"update": update, "antwoord": {"status": answer.status_code, "body": answer.json()}}
        )

    async def list_signalen(self, _request: Request) -> Response:
        return JSONResponse(
            [
                {"ID": k, "status": v.status, "ingetrokken": v.ingetrokken}
                for k, v in self.state.signalen.items()
            ]
        )

    async def storing(self, request: Request) -> Response:
        return await configure(self.state.storing, request)


def create_app(
    register: Register | None = None,
    *,
    callback_key: str | None = None,
    callback_client: httpx.AsyncClient | None = None,
) -> Starlette:
    state = register or Register()
    sim = Simulator(state, callback_key, callback_client)
    app = Starlette(
        routes=[
            Route("/api/v1/signalen", sim.post_signaal, methods=["POST"]),
            Route("/api/v1/signalen/{ID}", sim.get_signaal, methods=["GET"]),
            Route("/api/v1/signalen/{ID}/intrekking", sim.intrekking, methods=["POST"]),
            Route("/_sim/signalen", sim.list_signalen, methods=["GET"]),
            Route("/_sim/signalen/{ID}/statusupdate", sim.push_update, methods=["POST"]),
            Route("/_sim/storing", sim.storing, methods=["POST"]),
        ]
    )
    app.state.register = state
    return app
