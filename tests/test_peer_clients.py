"""The Schuldenknooppunt client at its edges: every answer that is not the contract's is an error
the caller can tell apart, and the connection is mutual TLS with the configured certificates."""

import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import respx
import trustme
from lxml import etree

from app.config import PROJECT_ROOT, Settings
from app.peers import soap
from app.peers.clients import Schuldenknooppunt, accepted, peer_http_client
from app.peers.simulators import schuldenknooppunt
from tests.conftest import EXAMPLES
from tests.support.loopback import serving

HUB = "https://hub.example.nl/soap"
SKN_EXAMPLES = PROJECT_ROOT / "schemas" / "peers" / "schuldenknooppunt" / "v1" / "examples"


def skn(name: str) -> str:
    return f"{{{soap.SKN}}}{name}"


def answer(name: str, **children: str) -> bytes:
    body = etree.Element(skn(name))
    for child, text in children.items():
        etree.SubElement(body, skn(child)).text = text
    return soap.envelope(body)


def soap_reply(content: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": soap.CONTENT_TYPE})


@pytest.fixture
async def knooppunt() -> AsyncIterator[Schuldenknooppunt]:
    async with httpx.AsyncClient() as client:
        yield Schuldenknooppunt(client, HUB, "WDV")


# --- haalBerichtenOp --------------------------------------------------------------------------


@respx.mock
async def test_haal_op_returns_each_message_with_its_berichtkop(knooppunt: Schuldenknooppunt) -> None:
    respx.post(HUB).mock(return_value=soap_reply((SKN_EXAMPLES / "haalBerichtenOpAntwoord.xml").read_bytes()))

    fetched = await knooppunt.haal_op()

    assert [(f.kop.berichtsoort, etree.QName(f.inhoud).localname) for f in fetched] == [
        ("intrekking", "intrekking"),
        ("doorverwijzing", "doorverwijzing"),
    ]
    assert fetched[1].kop.bericht_id == uuid.UUID("3f2b8c1e-6d4a-4b7e-9a21-5c0d8e7f1a23")


@respx.mock
async def test_haal_op_asks_for_the_own_mailbox_with_the_soap_action(knooppunt: Schuldenknooppunt) -> None:
    route = respx.post(HUB).mock(return_value=soap_reply(answer("haalBerichtenOpAntwoord")))

    assert await knooppunt.haal_op(maximum=7) == []

    sent = route.calls.last.request
    assert sent.headers["soapaction"] == f'"{soap.SKN}/haalBerichtenOp"'
    assert sent.headers["content-type"] == soap.CONTENT_TYPE
    _, request = soap.parse(sent.content)
    assert (request.findtext(skn("deelnemer")), request.findtext(skn("maximum"))) == ("WDV", "7")


@respx.mock
async def test_a_soap_fault_at_http_500_raises_soapfault(knooppunt: Schuldenknooppunt) -> None:
    respx.post(HUB).mock(return_value=soap_reply(soap.fault("Server", "mailbox offline"), status=500))

    with pytest.raises(soap.SoapFault) as raised:
        await knooppunt.haal_op()

    assert (raised.value.code, raised.value.text) == ("soap:Server", "mailbox offline")


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>502 Bad Gateway</body></html",
        b"",
        b'<?xml version="1.0"?><antwoord><berichten/></antwoord>',
        answer("bevestigOntvangstAntwoord", bevestigd="1"),
    ],
    ids=["not-xml", "empty", "not-soap", "wrong-answer-element"],
)
@respx.mock
async def test_an_http_200_that_is_not_the_fetch_answer_is_malformed(
    knooppunt: Schuldenknooppunt, content: bytes
) -> None:
    respx.post(HUB).mock(return_value=soap_reply(content))

    with pytest.raises(soap.MalformedReply):
        await knooppunt.haal_op()


@respx.mock
async def test_a_proper_answer_with_an_error_status_is_malformed(knooppunt: Schuldenknooppunt) -> None:
    respx.post(HUB).mock(return_value=soap_reply(answer("haalBerichtenOpAntwoord"), status=503))

    with pytest.raises(soap.MalformedReply, match="HTTP 503"):
        await knooppunt.haal_op()


@respx.mock
async def test_a_fetched_message_without_content_is_skipped_and_the_others_are_read(
    knooppunt: Schuldenknooppunt, caplog: pytest.LogCaptureFixture
) -> None:
    reply = etree.fromstring((SKN_EXAMPLES / "haalBerichtenOpAntwoord.xml").read_bytes())
    first = next(reply.iter(skn("inhoud")))
    first.getparent().remove(first)
    respx.post(HUB).mock(return_value=soap_reply(etree.tostring(reply)))

    fetched = await knooppunt.haal_op()

    assert len(fetched) == len(reply.findall(f".//{skn('bericht')}")) - 1
    assert "unreadable" in caplog.text


@respx.mock
async def test_a_timeout_surfaces_as_an_httpx_timeout(knooppunt: Schuldenknooppunt) -> None:
    respx.post(HUB).mock(side_effect=httpx.ReadTimeout("no answer"))

    with pytest.raises(httpx.TimeoutException):
        await knooppunt.haal_op()


# --- bevestigOntvangst ------------------------------------------------------------------------


@respx.mock
async def test_bevestig_returns_the_hubs_count(knooppunt: Schuldenknooppunt) -> None:
    route = respx.post(HUB).mock(return_value=soap_reply(answer("bevestigOntvangstAntwoord", bevestigd="2")))
    ids = [uuid.uuid4(), uuid.uuid4()]

    assert await knooppunt.bevestig(ids) == 2

    _, request = soap.parse(route.calls.last.request.content)
    assert [e.text for e in request.findall(skn("berichtId"))] == [str(i) for i in ids]
    assert route.calls.last.request.headers["soapaction"] == f'"{soap.SKN}/bevestigOntvangst"'


@pytest.mark.parametrize("bevestigd", [None, "", "twee", "1.5"])
@respx.mock
async def test_bevestig_without_a_count_is_malformed(
    knooppunt: Schuldenknooppunt, bevestigd: str | None
) -> None:
    content = (
        answer("bevestigOntvangstAntwoord")
        if bevestigd is None
        else answer("bevestigOntvangstAntwoord", bevestigd=bevestigd)
    )
    respx.post(HUB).mock(return_value=soap_reply(content))

    with pytest.raises(soap.MalformedReply):
        await knooppunt.bevestig([uuid.uuid4()])


# --- the verstuurBericht reply ----------------------------------------------------------------


def test_an_acceptance_is_accepted() -> None:
    accepted((SKN_EXAMPLES / "verstuurBerichtAntwoord.xml").read_bytes())


def test_geaccepteerd_false_is_malformed() -> None:
    with pytest.raises(soap.MalformedReply, match="did not accept"):
        accepted(answer("verstuurBerichtAntwoord", berichtId=str(uuid.uuid4()), geaccepteerd="false"))


def test_a_reply_without_geaccepteerd_is_malformed() -> None:
    with pytest.raises(soap.MalformedReply):
        accepted(answer("verstuurBerichtAntwoord", berichtId=str(uuid.uuid4())))


def test_another_answer_than_verstuurberichtantwoord_is_malformed() -> None:
    with pytest.raises(soap.MalformedReply, match="verstuurBerichtAntwoord"):
        accepted(answer("haalBerichtenOpAntwoord"))


def test_a_fault_in_reply_to_verstuurbericht_raises_soapfault() -> None:
    with pytest.raises(soap.SoapFault, match="client certificate"):
        accepted((SKN_EXAMPLES / "soap-fault.xml").read_bytes())


# --- mutual TLS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA (standing in for PKIoverheid) with a server certificate for 127.0.0.1 and a client
    certificate for this service; and an unrelated CA."""
    folder = tmp_path_factory.mktemp("pki")
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1")
    client = ca.issue_cert("wdv.client.example.nl")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    other.cert_pem.write_to_path(str(folder / "other-ca.pem"))
    server.private_key_pem.write_to_path(str(folder / "server.key"))
    server.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))
    client.private_key_pem.write_to_path(str(folder / "client.key"))
    client.cert_chain_pems[0].write_to_path(str(folder / "client.pem"))
    return Pki(folder / "ca.pem", folder / "client.pem", folder / "client.key", folder / "other-ca.pem")


@pytest.fixture(scope="module")
def hub_over_mtls(pki: Pki) -> Iterator[str]:
    """The Schuldenknooppunt simulator over TLS, requiring a client certificate from the CA."""
    folder = pki.ca.parent
    tls = {
        "ssl_certfile": str(folder / "server.pem"),
        "ssl_keyfile": str(folder / "server.key"),
        "ssl_ca_certs": str(pki.ca),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    with serving(lambda _: schuldenknooppunt.create_app(), tls=tls) as url:
        yield url


def mtls_settings(
    pki: Pki,
    *,
    cert: Path | None = None,
    key: Path | None = None,
    ca: Path | None = None,
    with_certificate: bool = True,
) -> Settings:
    """The service's peer settings: its client certificate and the CA it trusts."""
    return Settings(
        peer_client_cert=str(cert or pki.client_cert) if with_certificate else None,
        peer_client_key=str(key or pki.client_key) if with_certificate else None,
        peer_ca_bundle=str(ca or pki.ca),
        peer_timeout_seconds=5.0,
    )


async def test_the_peer_client_fetches_over_mutual_tls(pki: Pki, hub_over_mtls: str) -> None:
    async with peer_http_client(mtls_settings(pki)) as client:
        put = await client.post(
            f"{hub_over_mtls}/_sim/berichten",
            json={
                "afzender": "ZVV-001",
                "ontvanger": "WDV-MTLS",
                "xml": (EXAMPLES / "doorverwijzing" / "valid-minimaal.xml").read_text("utf-8"),
            },
        )
        assert put.status_code == 201

        fetched = await Schuldenknooppunt(client, f"{hub_over_mtls}/soap", "WDV-MTLS").haal_op()

    assert [f.kop.afzender for f in fetched] == ["ZVV-001"]


async def test_a_client_without_a_certificate_is_refused(pki: Pki, hub_over_mtls: str) -> None:
    settings = mtls_settings(pki, with_certificate=False)

    async with peer_http_client(settings) as client:
        with pytest.raises(httpx.TransportError):
            await Schuldenknooppunt(client, f"{hub_over_mtls}/soap", "WDV").haal_op()


async def test_a_client_not_trusting_the_hubs_ca_refuses_the_hub(pki: Pki, hub_over_mtls: str) -> None:
    settings = mtls_settings(pki, ca=pki.other_ca)

    async with peer_http_client(settings) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await Schuldenknooppunt(client, f"{hub_over_mtls}/soap", "WDV").haal_op()


async def test_a_client_certificate_from_another_ca_is_refused(pki: Pki, hub_over_mtls: str) -> None:
    stranger = trustme.CA().issue_cert("stranger.example.nl")
    folder = pki.ca.parent
    stranger.private_key_pem.write_to_path(str(folder / "stranger.key"))
    stranger.cert_chain_pems[0].write_to_path(str(folder / "stranger.pem"))
    settings = mtls_settings(pki, cert=folder / "stranger.pem", key=folder / "stranger.key")

    async with peer_http_client(settings) as client:
        with pytest.raises(httpx.TransportError):
            await Schuldenknooppunt(client, f"{hub_over_mtls}/soap", "WDV").haal_op()
