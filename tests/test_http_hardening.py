"""What every caller can rely on at the HTTP edge: headers, bounded bodies, safe parsing, problems."""

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import xmlschema
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import API_VERSION
from app.config import PROJECT_ROOT
from app.models import Afwijzing, Doorverwijzing
from tests.conftest import Parties, example

JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
PROBLEM_JSON = "application/problem+json"
PROBLEM_NS = "urn:ietf:rfc:7807"
MESSAGE_NS = "urn:nld:warme-doorverwijzing:berichten:v1"
LIMIT = 64 * 1024

SendRequest = Callable[[httpx.AsyncClient, Parties], Awaitable[httpx.Response]]


def referral() -> dict[str, Any]:
    """The minimal valid example with a fresh berichtId and referentie."""
    message: dict[str, Any] = json.loads(example("doorverwijzing", "valid-minimaal.json"))
    message["berichtId"] = str(uuid.uuid4())
    message["referentie"] = f"DOSSIER-{uuid.uuid4().hex[:8]}"
    return message


async def post_referral(
    client: httpx.AsyncClient, parties: Parties, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return await client.post(
        "/v1/doorverwijzingen", content=body, headers={"Content-Type": content_type, **parties.water.auth}
    )


async def stored_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessionmaker() as session:
        referrals = await session.scalar(select(func.count()).select_from(Doorverwijzing))
        rejections = await session.scalar(select(func.count()).select_from(Afwijzing))
    return referrals or 0, rejections or 0


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    if slug is not None:
        assert problem["type"] == f"urn:nld:warme-doorverwijzing:probleem:{slug}"
    return problem


# --- headers on every response ----------------------------------------------------------------


async def _created(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.post("/v1/doorverwijzingen", json=referral(), headers=parties.water.auth)


async def _invalid(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await post_referral(client, parties, b"{not json")


async def _unauthenticated(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.post("/v1/doorverwijzingen", json=referral())


async def _unknown_path_in_v1(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.get("/v1/bestaat-niet", headers=parties.water.auth)


async def _unknown_path_outside_v1(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.get("/bestaat-niet")


async def _landing_page(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.get("/", headers={"Accept": "text/html"})


async def _wrong_method(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.delete("/v1/doorverwijzingen", headers=parties.water.auth)


async def _openapi(client: httpx.AsyncClient, parties: Parties) -> httpx.Response:
    return await client.get("/v1/openapi.json")


EVERY_KIND_OF_RESPONSE: list[tuple[str, SendRequest, int]] = [
    ("created", _created, 201),
    ("invalid", _invalid, 400),
    ("unauthenticated", _unauthenticated, 401),
    ("unknown-path-in-v1", _unknown_path_in_v1, 404),
    ("unknown-path-outside-v1", _unknown_path_outside_v1, 404),
    ("wrong-method", _wrong_method, 405),
    ("openapi", _openapi, 200),
    ("landing-page", _landing_page, 200),
]


@pytest.mark.parametrize(
    ("send", "status"),
    [(send, status) for _, send, status in EVERY_KIND_OF_RESPONSE],
    ids=[name for name, _, _ in EVERY_KIND_OF_RESPONSE],
)
async def test_every_response_carries_the_api_version_and_the_security_headers(
    client: httpx.AsyncClient, parties: Parties, send: SendRequest, status: int
) -> None:
    response = await send(client, parties)

    assert response.status_code == status
    assert response.headers["api-version"] == API_VERSION
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    # pages carry a stricter policy of their own, never a weaker one
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/bestaat-niet", "/v1/bestaat-niet", "/v1/doorverwijzingen/x/y"])
async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    problem = assert_problem(response, 404, "niet-gevonden")
    assert problem["instance"] == path


async def test_a_method_the_path_does_not_offer_is_a_405_problem_naming_the_allowed_ones(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await client.delete("/v1/doorverwijzingen", headers=parties.water.auth)

    assert_problem(response, 405, "methode-niet-toegestaan")
    assert response.headers["allow"] == "POST"


# --- bounded bodies ---------------------------------------------------------------------------


async def test_a_body_over_64_kib_with_a_content_length_is_refused_with_413_and_nothing_is_stored(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    message = referral()
    message["toelichting"] = "x" * LIMIT
    body = json.dumps(message).encode()

    response = await post_referral(client, parties, body)

    assert int(response.request.headers["content-length"]) > LIMIT
    assert_problem(response, 413, "bericht-te-groot")
    assert await stored_rows(sessionmaker) == (0, 0)


async def test_a_streamed_body_over_64_kib_without_a_content_length_is_refused_with_413(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"toelichting": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/v1/doorverwijzingen", content=chunks(), headers={**JSON, **parties.water.auth}
    )

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "bericht-te-groot")
    assert await stored_rows(sessionmaker) == (0, 0)


async def test_a_body_of_exactly_64_kib_is_read(client: httpx.AsyncClient, parties: Parties) -> None:
    message = referral()
    message["toelichting"] = ""
    padding = LIMIT - len(json.dumps(message).encode())
    body = json.dumps(message).encode()[:-1] + b" " * padding + b"}"

    response = await post_referral(client, parties, body)

    assert len(body) == LIMIT
    assert response.status_code == 201


async def test_a_routing_request_over_64_kib_is_refused_with_413(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = b'{"postcode": "1012 LG", "huisnummer": 1' + b" " * (2 * LIMIT) + b"}"

    response = await client.post("/v1/routering", content=body, headers={**JSON, **parties.water.auth})

    assert_problem(response, 413, "bericht-te-groot")


# --- XML is parsed safely -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE doorverwijzing [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<doorverwijzing xmlns="urn:nld:warme-doorverwijzing:berichten:v1"><toelichting>&lol9;</toelichting>
</doorverwijzing>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE doorverwijzing [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<doorverwijzing xmlns="urn:nld:warme-doorverwijzing:berichten:v1"><toelichting>&xxe;</toelichting>
</doorverwijzing>
"""


def with_doctype(doctype: bytes) -> bytes:
    """The valid minimal XML example with a DOCTYPE after its declaration."""
    body = example("doorverwijzing", "valid-minimaal.xml")
    declaration, separator, rest = body.partition(b"?>")
    assert separator, "the example starts with an XML declaration"
    return declaration + separator + b"\n" + doctype + rest


async def test_xml_with_a_doctype_is_refused(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await post_referral(
        client, parties, with_doctype(b"<!DOCTYPE doorverwijzing>"), "application/xml"
    )

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "DOCTYPE" in problem["detail"]
    assert problem["errors"][0]["xpath"] == "/doorverwijzing"


async def test_xml_with_internal_entities_is_refused_without_expanding_them(
    client: httpx.AsyncClient, parties: Parties, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await post_referral(client, parties, BILLION_LAUGHS, "application/xml")

    assert_problem(response, 400, "ongeldig-bericht")
    assert "lollol" not in response.text
    assert await stored_rows(sessionmaker) == (0, 0)


async def test_xml_with_an_external_entity_is_refused_and_the_file_is_never_read_into_the_answer(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(client, parties, EXTERNAL_ENTITY, "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "DOCTYPE" in problem["detail"]
    assert "root:" not in response.text
    assert "/bin/" not in response.text


async def test_an_otherwise_valid_message_with_an_unused_internal_entity_is_still_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = with_doctype(b'<!DOCTYPE doorverwijzing [<!ENTITY naam "Jansen">]>')

    response = await post_referral(client, parties, body, "application/xml")

    assert_problem(response, 400, "ongeldig-bericht")


def nested_xml(depth: int, tag: bytes = b"toelichting") -> bytes:
    """A doorverwijzing root with `depth - 1` levels of `tag` elements below it."""
    inner = depth - 1
    return (
        f'<doorverwijzing xmlns="{MESSAGE_NS}">'.encode()
        + (b"<" + tag + b">") * inner
        + b"x"
        + (b"</" + tag + b">") * inner
        + b"</doorverwijzing>"
    )


async def test_xml_nested_deeper_than_32_levels_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(client, parties, nested_xml(33), "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "deeper than 32" in problem["detail"]


async def test_xml_nested_32_levels_deep_is_not_refused_for_its_depth(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(client, parties, nested_xml(32), "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "deeper" not in problem["detail"]


async def test_xml_nested_thousands_of_levels_deep_is_a_400_not_a_500(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = nested_xml(5_000, tag=b"a")  # short tags keep it under the 64 KiB limit

    response = await post_referral(client, parties, body, "application/xml")

    assert len(body) < LIMIT
    assert_problem(response, 400, "ongeldig-bericht")


async def test_malformed_xml_is_a_syntax_violation(client: httpx.AsyncClient, parties: Parties) -> None:
    body = f'<doorverwijzing xmlns="{MESSAGE_NS}"><toelichting>open'.encode()

    response = await post_referral(client, parties, body, "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    # located at the root the message should have had, as the Foutbericht's xpath pattern requires
    assert problem["errors"] == [{"detail": problem["detail"], "xpath": "/doorverwijzing", "code": "syntax"}]


async def test_xml_with_the_wrong_root_element_is_located_by_xpath(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = f'<ontvangstbevestiging xmlns="{MESSAGE_NS}"/>'.encode()

    response = await post_referral(client, parties, body, "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    [error] = problem["errors"]
    assert error["xpath"] == "/ontvangstbevestiging"
    assert "doorverwijzing" in error["detail"]


async def test_the_right_root_name_in_another_namespace_is_the_wrong_root(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = example("doorverwijzing", "valid-minimaal.xml").replace(MESSAGE_NS.encode(), b"urn:example:other")

    response = await post_referral(client, parties, body, "application/xml")

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert [e["xpath"] for e in problem["errors"]] == ["/doorverwijzing"]


# --- JSON is parsed strictly --------------------------------------------------------------------


async def test_malformed_json_is_a_syntax_violation(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await post_referral(client, parties, b'{"berichtId": ')

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert problem["errors"][0]["code"] == "syntax"
    assert problem["errors"][0]["pointer"] == ""


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b"[" * 10_000 + b"]" * 10_000,
    ],
    ids=["objects", "arrays"],
)
async def test_json_nested_10000_levels_deep_is_a_400_not_a_500(
    client: httpx.AsyncClient, parties: Parties, body: bytes
) -> None:
    response = await post_referral(client, parties, body)

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "nested" in problem["detail"]


async def test_json_nested_deeper_than_32_levels_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    body = b'{"a":' * 32 + b"1" + b"}" * 32  # 33 levels with the innermost value

    response = await post_referral(client, parties, body)

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "deeper than 32" in problem["detail"]


async def test_a_duplicate_member_is_refused(client: httpx.AsyncClient, parties: Parties) -> None:
    message = referral()
    text = json.dumps(message)
    body = (text[:-1] + ', "referentie": "DOSSIER-ANDERS"}').encode()

    response = await post_referral(client, parties, body)

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "duplicate member 'referentie'" in problem["detail"]


async def test_a_json_array_instead_of_an_object_is_refused(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(client, parties, json.dumps([referral()]).encode())

    problem = assert_problem(response, 400, "ongeldig-bericht")
    assert "JSON object" in problem["detail"]


async def test_a_body_that_is_not_utf8_is_a_400(client: httpx.AsyncClient, parties: Parties) -> None:
    response = await post_referral(client, parties, b'{"toelichting": "\xff\xfe"}')

    assert_problem(response, 400, "ongeldig-bericht")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_a_media_type_other_than_json_or_xml_is_a_415_problem(
    client: httpx.AsyncClient, parties: Parties, content_type: str
) -> None:
    response = await post_referral(client, parties, json.dumps(referral()).encode(), content_type)

    assert_problem(response, 415, "mediatype-niet-ondersteund")


async def test_a_json_media_type_with_a_charset_is_accepted(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await post_referral(
        client, parties, json.dumps(referral()).encode(), "application/json; charset=utf-8"
    )

    assert response.status_code == 201


# --- problems in XML ----------------------------------------------------------------------------


def problem_xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(PROJECT_ROOT / "schemas" / "xsd" / "problem.xsd"))


async def test_an_error_for_a_client_preferring_xml_is_a_problem_xml_document(
    client: httpx.AsyncClient, parties: Parties
) -> None:
    response = await client.post(
        "/v1/doorverwijzingen",
        content=b"{not json",
        headers={**JSON, "Accept": "application/xml", **parties.water.auth},
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+xml"
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{PROBLEM_NS}}}problem"
    assert root.findtext("p:status", namespaces={"p": PROBLEM_NS}) == "400"
    assert root.findtext("p:type", namespaces={"p": PROBLEM_NS}).endswith(":ongeldig-bericht")
    assert problem_xsd().is_valid(response.content)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/bestaat-niet", 404),
        ("DELETE", "/v1/doorverwijzingen", 405),
        ("POST", "/v1/routering", 401),
    ],
)
async def test_every_kind_of_error_follows_an_xml_accept_header(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path, headers={"Accept": "application/xml"})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+xml"
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{PROBLEM_NS}}}problem"
    assert root.findtext("p:status", namespaces={"p": PROBLEM_NS}) == str(status)
    assert problem_xsd().is_valid(response.content)


async def test_json_stays_the_answer_when_the_client_prefers_it_by_quality(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/bestaat-niet", headers={"Accept": "application/xml;q=0.5, application/json"}
    )

    assert response.headers["content-type"] == PROBLEM_JSON


# --- the OpenAPI document -----------------------------------------------------------------------


async def test_the_openapi_document_is_public_and_lists_the_endpoints(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    paths = response.json()["paths"]
    assert "/doorverwijzingen" in paths
    assert "/routering" in paths
    assert "post" in paths["/routering"]
