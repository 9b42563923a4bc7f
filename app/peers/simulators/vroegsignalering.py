"""A Vroegsignalering simulator: stores signals per the proposed contract and, when a tester says
so, pushes status updates to the service's callback with the uitvoerder's API key.

API under /api/v1 (POST /signalen, POST /signalen/{ID}/intrekking, GET /signalen/{ID}); control in
JSON under /_sim: `POST /_sim/signalen/{ID}/statusupdate` with {status?, contactpogingen?,
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


def create_app(
    register: Register | None = None,
    *,
    callback_key: str | None = None,
    callback_client: httpx.AsyncClient | None = None,
) -> Starlette:
    state = register or Register()

    async def failing() -> Response | None:
        soort = state.storing.next()
        return await state.storing.apply(soort) if soort else None

    async def post_signaal(request: Request) -> Response:
        if failure := await failing():
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
        if body["ID"] in state.signalen:
            return JSONResponse({"ID": body["ID"]}, status_code=200)
        state.signalen[body["ID"]] = Signaal(body)
        return JSONResponse({"ID": body["ID"]}, status_code=201)

    async def intrekking(request: Request) -> Response:
        if failure := await failing():
            return failure
        signaal = state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        body = await request.json()
        if body.get("reden") not in REDENEN:
            return _problem(400, f"reden one of {REDENEN}")
        signaal.ingetrokken = body["reden"]
        return Response(status_code=204)

    async def get_signaal(request: Request) -> Response:
        signaal = state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        return JSONResponse(signaal.inhoud | {"status": signaal.status, "ingetrokken": signaal.ingetrokken})

    async def push_update(request: Request) -> Response:
        signaal = state.signalen.get(request.path_params["ID"])
        if signaal is None:
            return _problem(404, "unknown signal")
        if not callback_key:
            return _problem(409, "start the simulator with the uitvoerder's API key to push updates")
        update = {
            "updateId": str(uuid.uuid4()),
            "signaalId": signaal.inhoud["ID"],
            "tijdstip": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        } | await request.json()
        if update.get("status"):
            signaal.status = update["status"]
        signaal.updates.append(update)
        client = callback_client or httpx.AsyncClient(timeout=15)
        try:
            answer = await client.post(
                signaal.inhoud["statusCallback"],
                json=update,
                headers={"Authorization": f"Bearer {callback_key}"},
            )
        finally:
            if callback_client is None:
                await client.aclose()
        return JSONResponse(
            {"update": update, "antwoord": {"status": answer.status_code, "body": answer.json()}}
        )

    async def list_signalen(_request: Request) -> Response:
        return JSONResponse(
            [{"ID": k, "status": v.status, "ingetrokken": v.ingetrokken} for k, v in state.signalen.items()]
        )

    async def storing(request: Request) -> Response:
        return await configure(state.storing, request)

    app = Starlette(
        routes=[
            Route("/api/v1/signalen", post_signaal, methods=["POST"]),
            Route("/api/v1/signalen/{ID}", get_signaal, methods=["GET"]),
            Route("/api/v1/signalen/{ID}/intrekking", intrekking, methods=["POST"]),
            Route("/_sim/signalen", list_signalen, methods=["GET"]),
            Route("/_sim/signalen/{ID}/statusupdate", push_update, methods=["POST"]),
            Route("/_sim/storing", storing, methods=["POST"]),
        ]
    )
    app.state.register = state
    return app
