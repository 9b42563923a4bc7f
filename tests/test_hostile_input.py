"""Hostile input is refused quickly and clearly, and never holds up anyone else: each attack is
sent while an ordinary request is made, and that request is answered as usual."""

import asyncio
import json
import threading
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from app.messages import validation
from app.messages.specs import MessageKind
from tests.conftest import Parties, example
from tests.test_http_hardening import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    MESSAGE_NS,
    assert_problem,
    nested_xml,
    post_referral,
    referral,
    with_doctype,
)

GENEROUS = 15.0  # seconds: what a loaded 2-core machine still meets, far below a stalled service
Hostile = Callable[[httpx.AsyncClient, Parties], Coroutine[Any, Any, httpx.Response]]


async def refused_while_others_are_served(
    client: httpx.AsyncClient, parties: Parties, hostile: Hostile
) -> httpx.Response:
    """Send the hostile request and, at the same time, an ordinary referral; both must be
    answered in time, the ordinary one as usual. Returns the answer to the hostile one."""
    attack = asyncio.create_task(hostile(client, parties))
    await asyncio.sleep(0)  # the attack is under way first
    ordinary = await asyncio.wait_for(
        client.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth), GENEROUS
    )
    answer = await asyncio.wait_for(attack, GENEROUS)
    assert ordinary.status_code == 201
    return answer


def attributes_xml(count: int) -> bytes:
    attributes = " ".join(f'a{i}="x"' for i in range(count))
    return f'<doorverwijzing xmlns="{MESSAGE_NS}" {attributes}/>'.encode()


def elements_xml(count: int) -> bytes:
    return f'<doorverwijzing xmlns="{MESSAGE_NS}">'.encode() + b"<b/>" * count + b"</doorverwijzing>"


def xml_sender(body: bytes) -> Hostile:
    async def send(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
        return await post_referral(client, parties, body, "application/xml")

    return send


def json_sender(body: bytes) -> Hostile:
    async def send(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
        return await post_referral(client, parties, body)

    return send


# --- classic XML and JSON attacks -----------------------------------------------------------------

ATTACKS = {
    "billion-laughs": (xml_sender(BILLION_LAUGHS), 400, "not acceptable XML"),
    "external-entity": (xml_sender(EXTERNAL_ENTITY), 400, "DOCTYPE"),
    "external-dtd": (
        xml_sender(with_doctype(b'<!DOCTYPE doorverwijzing SYSTEM "http://127.0.0.1:9/evil.dtd">')),
        400,
        "DOCTYPE",
    ),
    "xml-nested-deep": (xml_sender(nested_xml(5_000, tag=b"a")), 400, "not acceptable XML"),
    "json-nested-deep": (json_sender(b'{"a":' * 10_000 + b"1" + b"}" * 10_000), 400, "nested"),
    "2000-attributes": (xml_sender(attributes_xml(2_000)), 400, "more than 32 attributes"),
    "5000-attributes": (xml_sender(attributes_xml(5_000)), 400, "more than 32 attributes"),
    "10000-elements": (xml_sender(elements_xml(10_000)), 400, "more than 2000 elements"),
    "huge-body": (json_sender(b'{"toelichting": "' + b"x" * 10_000_000 + b'"}'), 413, "limited to"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_an_attack_is_refused_while_an_ordinary_request_is_served(
    client: httpx.AsyncClient, parties: Parties, name: str
) -> None:
    hostile, status, detail = ATTACKS[name]

    answer = await refused_while_others_are_served(client, parties, hostile)

    problem = assert_problem(answer, status)
    assert detail in problem["detail"]
    assert len(answer.content) < 20_000


async def test_an_external_dtd_is_never_fetched(client: httpx.AsyncClient, parties: Parties) -> None:
    fetched = threading.Event()
    # nothing listens on the discard port; a fetch would also show up as a network error text
    body = with_doctype(b'<!DOCTYPE doorverwijzing SYSTEM "http://127.0.0.1:9/evil.dtd">')

    response = await post_referral(client, parties, body, "application/xml")

    assert_problem(response, 400, "ongeldig-bericht")
    assert "evil.dtd" not in response.text
    assert not fetched.is_set()


async def test_thousands_of_violations_are_cut_to_a_hundred_and_the_problem_says_so(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    message = referral()
    message.update({f"x{i}": i for i in range(3_000)})

    response = await refused_while_others_are_served(
        client, parties, json_sender(json.dumps(message).encode())
    )

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert len(problem["errors"]) == 100
    assert problem["errorsTruncated"] is True
    assert "the first 100 are listed" in problem["detail"]


async def test_a_truncated_list_is_a_valid_foutbericht_in_xml_too(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    message = referral()
    message.update({f"onbekend{i}": i for i in range(500)})

    response = await client.post(
        "/v1/doorverwijzingen",
        content=json.dumps(message).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/xml", **parties.water.auth},
    )

    assert response.status_code == 400
    data = validation.read_message(
        MessageKind.FOUTBERICHT, response.content, "application/xml", max_depth=32
    ).data
    assert data["errorsTruncated"] is True
    assert len(data["errors"]) == 100


async def test_validation_runs_off_the_event_loop(
    client: httpx.AsyncClient, parties: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A validation that takes long (here: one that waits) holds a worker thread, not the loop."""
    inside, release, finished = threading.Event(), threading.Event(), threading.Event()
    real = validation.json_violations

    def slow(spec: Any, data: Any) -> Any:
        inside.set()
        release.wait(GENEROUS)
        finished.set()
        return real(spec, data)

    monkeypatch.setattr(validation, "json_violations", slow)
    slow_request = asyncio.create_task(
        client.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)
    )
    await asyncio.to_thread(inside.wait, GENEROUS)
    other = await client.get("/v1/openapi.json")
    served_meanwhile = not finished.is_set()
    release.set()
    first = await asyncio.wait_for(slow_request, GENEROUS)

    assert other.status_code == 200
    assert served_meanwhile
    assert first.status_code == 201


# --- numbers and text JSON cannot carry -------------------------------------------------------------


def with_raw(message: dict[str, Any], path: list[str], raw: str) -> bytes:
    """The message as JSON with the value at `path` replaced by raw JSON text."""
    marker = f"__raw_{uuid.uuid4().hex}__"
    target = message
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = marker
    return json.dumps(message).replace(f'"{marker}"', raw).encode()


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_a_non_finite_amount_is_refused_at_its_pointer_and_nothing_is_stored(
    client: httpx.AsyncClient, parties: Parties, raw: str
) -> None:
    message = referral()
    message["achterstand"] = {"bedrag": 1, "soortVasteLast": "Water"}
    body = with_raw(message, ["achterstand", "bedrag"], raw)

    response = await post_referral(client, parties, body)

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["pointer"] for e in problem["errors"]] == ["/achterstand/bedrag"]
    assert (await client.get("/v1/bezorgingen", headers=parties.water.auth)).status_code == 200


def address() -> dict[str, Any]:
    return {"postcode": "1012 LG", "huisnummer": 1}


def subscription() -> dict[str, Any]:
    return {"url": "https://example.nl/hook"}


JSON_ENDPOINTS: dict[str, tuple[str, Callable[[], dict[str, Any]], list[str]]] = {
    "doorverwijzing": ("/v1/doorverwijzingen", referral, ["inwoner", "achternaam"]),
    "routering": ("/v1/routering", address, ["postcode"]),
    "webhook": ("/v1/webhook-abonnementen", subscription, ["url"]),
}


@pytest.mark.parametrize("endpoint", list(JSON_ENDPOINTS))
async def test_a_lone_surrogate_is_a_400_with_its_pointer_on_every_json_endpoint(
    client: httpx.AsyncClient, parties: Parties, endpoint: str
) -> None:
    path, make, field = JSON_ENDPOINTS[endpoint]
    body = with_raw(make(), field, '"Jan\\ud800sen"')

    response = await client.post(
        path, content=body, headers={"Content-Type": "application/json", **parties.water.auth}
    )

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["pointer"] for e in problem["errors"]] == ["/" + "/".join(field)]
    assert "surrogate" in problem["errors"][0]["detail"]


@pytest.mark.parametrize("endpoint", ["routering", "webhook"])
async def test_nan_is_refused_on_the_other_json_endpoints_too(
    client: httpx.AsyncClient, parties: Parties, endpoint: str
) -> None:
    path, make, _ = JSON_ENDPOINTS[endpoint]
    body = json.dumps(make())[:-1].encode() + b', "extra": NaN}'

    response = await client.post(
        path, content=body, headers={"Content-Type": "application/json", **parties.water.auth}
    )

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["pointer"] for e in problem["errors"]] == ["/extra"]


async def test_a_lone_surrogate_in_a_status_report_is_a_400(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    created = await client.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)
    message = {
        "berichtId": str(uuid.uuid4()),
        "verzondenOp": "2026-01-05T10:00:00+01:00",
        "status": "opgepakt",
    }
    body = with_raw(message, ["interneToelichting"], '"\\udfff"')

    response = await client.post(
        f"{created.headers['location']}/statusmeldingen",
        content=body,
        headers={"Content-Type": "application/json", **parties.amsterdam.auth},
    )

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["pointer"] for e in problem["errors"]] == ["/interneToelichting"]


# --- problems that conform to the document ----------------------------------------------------------


async def test_instance_never_echoes_control_characters(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/bestaat%0Aniet%00/%E2%82%AC x")

    problem = assert_problem(response, 404, "niet-gevonden")
    assert problem["instance"] == "/v1/bestaat%0Aniet%00/%E2%82%AC%20x"
    assert all(33 <= ord(character) < 127 for character in problem["instance"])


async def test_an_xml_syntax_error_is_located_by_an_xpath_the_foutbericht_allows(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(client, parties, b"<doorverwijzing><open>", "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    foutbericht = validation.read_message(
        MessageKind.FOUTBERICHT, response.content, "application/problem+json", max_depth=32
    )
    assert foutbericht.data["errors"][0]["xpath"] == "/doorverwijzing"
    assert problem["errors"][0]["code"] == "syntax"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/webhook-abonnementen", "GET, POST"),
        ("PUT", "/v1/doorverwijzingen", "POST"),
        ("PATCH", f"/v1/webhook-abonnementen/{uuid.uuid4()}", "DELETE"),
    ],
)
async def test_a_405_lists_every_method_of_the_path(
    client: httpx.AsyncClient, parties: Parties, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, headers=parties.water.auth)

    assert_problem(response, 405, "methode-niet-toegestaan")
    assert response.headers["allow"] == allow


def routing_postcode_format(openapi: dict[str, Any]) -> Draft202012Validator:
    """The postcode of POST /routering as the OpenAPI document describes it."""
    body = openapi["paths"]["/routering"]["post"]["requestBody"]["content"]["application/json"]
    return Draft202012Validator(body["schema"]["properties"]["postcode"])


@pytest.mark.parametrize(
    "postcode", ["000000000", "0123AB", "1234 SA", "1234sd", "1234 SS", "12345AB", "1234-AB"]
)
async def test_a_postcode_the_document_refuses_the_service_refuses(
    client: httpx.AsyncClient, parties: Parties, postcode: str
) -> None:
    openapi = (await client.get("/v1/openapi.json")).json()
    adres = routing_postcode_format(openapi)

    response = await client.post(
        "/v1/routering", json={"postcode": postcode, "huisnummer": 1}, headers=parties.water.auth
    )

    assert not adres.is_valid(postcode)
    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["pointer"] for e in problem["errors"]] == ["/postcode"]


@pytest.mark.parametrize("postcode", ["1012 LG", "1012lg", "9999ZZ", "1234 SB"])
async def test_a_postcode_the_document_allows_is_never_refused_as_invalid(
    client: httpx.AsyncClient, parties: Parties, postcode: str
) -> None:
    openapi = (await client.get("/v1/openapi.json")).json()
    adres = routing_postcode_format(openapi)

    response = await client.post(
        "/v1/routering", json={"postcode": postcode, "huisnummer": 1}, headers=parties.water.auth
    )

    assert adres.is_valid(postcode)
    assert response.status_code in (200, 422)


async def test_the_documented_cursor_format_fits_the_cursors_the_service_gives_and_refuses_others(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    for _ in range(3):
        await client.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)
    openapi = (await client.get("/v1/openapi.json")).json()
    [parameter] = [p for p in openapi["paths"]["/berichten"]["get"]["parameters"] if p["name"] == "cursor"]
    cursor_format = Draft202012Validator(parameter["schema"])

    page = (await client.get("/v1/berichten", params={"limit": 1}, headers=parties.amsterdam.auth)).json()
    refused = await client.get("/v1/berichten", params={"cursor": "x" * 5}, headers=parties.amsterdam.auth)

    assert page["volgende"] is not None
    assert cursor_format.is_valid(page["volgende"])
    assert not cursor_format.is_valid("x" * 5)
    assert [e["pointer"] for e in assert_problem(refused, 400)["errors"]] == ["/query/cursor"]


async def test_xml_members_out_of_the_xsd_order_are_refused_as_the_document_says(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    openapi = (await client.get("/v1/openapi.json")).json()
    xml_body = openapi["paths"]["/doorverwijzingen"]["post"]["requestBody"]["content"]["application/xml"]
    root = etree.fromstring(example("doorverwijzing", "valid-minimaal.xml"))
    root[:] = list(reversed(root))

    response = await post_referral(client, parties, etree.tostring(root), "application/xml")

    assert "in the order the properties are listed" in xml_body["schema"]["description"]
    assert "refused" in xml_body["schema"]["description"]
    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert all(error["xpath"].startswith("/doorverwijzing") for error in problem["errors"])
