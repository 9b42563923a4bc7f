"""Small helpers for the lifecycle tests: send a referral, build and post lifecycle messages, read
what was stored (history, outbox) and move a referral's dates into the past."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clocks import vandaag
from app.config import PROJECT_ROOT
from app.messages.specs import MessageKind, spec
from app.messages.xml import to_xml
from app.models import Gebeurtenis, Uitgaand
from app.referrals import lifecycle
from app.referrals.lifecycle import Status
from tests.conftest import Party
from tests.support.messages import referral

JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
GEEN_INWONER = "Persoon is geen inwoner (meer) in de gemeente"
ANDERE_REDEN = "Niet opgepakt: andere reden"
EINDRESULTAAT = "Vervolghulp en/of verwijzing financieel"
# statuses an uitvoerder can report: the StatusmeldingStatus enum of the statusmelding schema
REPORTABLE = frozenset(
    Status(value)
    for value in json.loads((PROJECT_ROOT / "schemas/json/statusmelding.v1.json").read_text("utf-8"))[
        "$defs"
    ]["StatusmeldingStatus"]["enum"]
)


def message(**fields: Any) -> dict[str, Any]:
    """A lifecycle message with a fresh berichtId, sent a moment ago."""
    sent = (datetime.now(UTC) - timedelta(seconds=1)).replace(microsecond=0)
    return {"berichtId": str(uuid.uuid4()), "verzondenOp": sent.isoformat().replace("+00:00", "Z")} | fields


def status_message(status: Status | str, *, after: Status | None = None, **fields: Any) -> dict[str, Any]:
    """A Statusmelding for `status` with the details the service requires for it: a reason or end
    result that fits a referral in status `after` (without it: "Niet opgepakt: andere reden", and
    "Vervolghulp en/of verwijzing financieel", which fits only once the person was reached)."""
    required: dict[str, Any] = {}
    if status == Status.NIET_OPGEPAKT:
        redenen: set[str] = set(lifecycle.allowed_redenen(after)) if after else {ANDERE_REDEN}
        required["reden"] = ANDERE_REDEN if ANDERE_REDEN in redenen else min(redenen)
    elif status == Status.AFGESLOTEN:
        resultaten: set[str] = set(lifecycle.allowed_eindresultaten(after)) if after else {EINDRESULTAAT}
        required["eindresultaat"] = EINDRESULTAAT if EINDRESULTAAT in resultaten else min(resultaten)
    return message(status=str(status), **(required | fields))


def contactpoging(*, bereikt: bool, datum: date | None = None, **fields: Any) -> dict[str, Any]:
    """A Statusmelding carrying only a contact attempt (today unless dated)."""
    attempt = {"soort": "Telefoon", "bereikt": bereikt, "datum": (datum or vandaag()).isoformat()}
    return message(contactpoging=attempt | fields)


def as_xml(kind: MessageKind, data: dict[str, Any]) -> bytes:
    return to_xml(spec(kind), data)


async def send_referral(client: httpx.AsyncClient, creditor: Party, **changes: Any) -> str:
    """Send a valid referral (Amsterdam unless the postcode is changed); returns its path."""
    response = await client.post("/v1/doorverwijzingen", json=referral(**changes), headers=creditor.auth)
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


def referral_id(path: str) -> uuid.UUID:
    return uuid.UUID(path.rsplit("/", 1)[-1])


async def post(
    client: httpx.AsyncClient, party: Party, path: str, data: dict[str, Any] | bytes
) -> httpx.Response:
    """POST a message in JSON (a dict) or as it is (bytes, XML)."""
    if isinstance(data, bytes):
        return await client.post(path, content=data, headers={**XML, **party.auth})
    return await client.post(path, json=data, headers=party.auth)


async def report(
    client: httpx.AsyncClient, uitvoerder: Party, path: str, data: dict[str, Any] | bytes
) -> httpx.Response:
    """Post a Statusmelding as `uitvoerder`."""
    return await post(client, uitvoerder, f"{path}/statusmeldingen", data)


async def report_status(
    client: httpx.AsyncClient,
    uitvoerder: Party,
    path: str,
    status: Status | str,
    *,
    after: Status | None = None,
    **fields: Any,
) -> httpx.Response:
    return await report(client, uitvoerder, path, status_message(status, after=after, **fields))


async def withdraw(client: httpx.AsyncClient, creditor: Party, path: str, **fields: Any) -> httpx.Response:
    """Post an Intrekking as `creditor` (reden betaald unless given)."""
    return await post(client, creditor, f"{path}/intrekking", message(**({"reden": "betaald"} | fields)))


async def move_to(
    client: httpx.AsyncClient,
    *,
    uitvoerder: Party,
    creditor: Party,
    path: str,
    status: Status,
    after: Status = Status.ONTVANGEN,
) -> httpx.Response:
    """Bring the referral from `after` to `status` the way the API allows: a Statusmelding (with a
    reason or end result that fits), or the creditor's Intrekking for ingetrokken."""
    if status is Status.INGETROKKEN:
        return await withdraw(client, creditor, path)
    return await report_status(client, uitvoerder, path, status, after=after)


async def history(sessionmaker: async_sessionmaker[AsyncSession], path: str) -> list[Gebeurtenis]:
    async with sessionmaker() as session:
        entries = await session.scalars(
            select(Gebeurtenis)
            .where(Gebeurtenis.doorverwijzing_id == referral_id(path))
            .order_by(Gebeurtenis.volgnummer)
        )
        return list(entries)


async def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Uitgaand]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Uitgaand).order_by(Uitgaand.aangemaakt_op, Uitgaand.volgnummer))
        return list(rows)


def later(days: int) -> str:
    """A date `days` after today (the incassostop of a referral sent today ends after 30)."""
    return (vandaag() + timedelta(days=days)).isoformat()


async def ask_extension(client: httpx.AsyncClient, uitvoerder: Party, path: str, days: int = 44) -> str:
    """The uitvoerder asks for a later end of the collection hold; returns the request's path."""
    response = await post(
        client, uitvoerder, f"{path}/verlengingsverzoeken", message(gevraagdTot=later(days))
    )
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


PROBLEM = "urn:nld:warme-doorverwijzing:probleem:"
EVENT = "nl.schuldhulp.warme-doorverwijzing."


def moved(response: httpx.Response) -> None:
    """The change was applied."""
    assert response.status_code == 200, response.text


async def count_rows(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
