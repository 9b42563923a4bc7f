"""Where webhooks may go (SSRF): addresses hidden inside IPv6, ports, malformed host names, and a
connection that goes to the very address that was checked, with the name kept for TLS and Host."""

import json
import socket
import ssl
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
import trustme
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.delivery import sender, targets
from tests.conftest import Parties
from tests.support.loopback import serving

PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "::ffff:10.0.0.1",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_an_internal_ipv4_address_inside_an_ipv6_address_is_not_public(address: str) -> None:
    assert not targets.is_public(address)


@pytest.mark.parametrize("address", ["64:ff9b::5db8:d70e", "2002:5db8:d70e::1", PUBLIC, "2a00:1450:4001::1"])
def test_a_public_address_stays_public_however_it_is_written(address: str) -> None:
    assert targets.is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[2002:7f00:1::]/hook",
        "https://[::127.0.0.1]/hook",
    ],
)
async def test_a_url_with_an_internal_address_inside_ipv6_is_refused(url: str) -> None:
    with pytest.raises(targets.TargetRefused, match="non-public"):
        await targets.check(url, allow_local=False)


@pytest.mark.parametrize(
    "url", ["https://example.nl:8443/hook", "https://example.nl:22/", "https://example.nl:80/"]
)
def test_only_port_443_is_allowed_by_default(url: str) -> None:
    with pytest.raises(targets.TargetRefused, match="port 443 only"):
        targets.check_syntax(url, allow_local=False)


def test_a_configured_port_is_allowed() -> None:
    assert (
        targets.check_syntax("https://example.nl:8443/hook", allow_local=False, ports=[8443]) == "example.nl"
    )
    assert targets.check_syntax("https://example.nl:443/hook", allow_local=False) == "example.nl"


@pytest.mark.parametrize(
    "url",
    ["https://a..nl/hook", f"https://{'a' * 64}.nl/hook", f"https://{'a.' * 127}nl/hook", "https://.nl/"],
)
async def test_a_host_name_dns_cannot_carry_is_refused(url: str) -> None:
    with pytest.raises(targets.TargetRefused, match="not a valid domain name"):
        await targets.check(url, allow_local=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://a..nl/hook",
        f"https://{'a' * 64}.nl/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[::127.0.0.1]/hook",
        "https://example.nl:8080/hook",
    ],
)
async def test_subscribing_such_a_url_is_a_400_naming_the_url(
    client: httpx.AsyncClient, parties: Parties, url: str
) -> None:
    response = await client.post(
        "/v1/webhook-abonnementen", json={"url": url}, headers=parties.amsterdam.auth
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


# --- the connection goes where the check said -----------------------------------------------------


class Resolver:
    """Stands in for DNS: answers each lookup of a name from a script, and counts the lookups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[Any]:
        self.lookups.append(host)
        script = self.answers[host]
        addresses = script.pop(0) if len(script) > 1 else script[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]


class Recording(httpcore.AsyncNetworkBackend):
    """A network that records where it was asked to connect, and connects nowhere."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - the interface httpcore calls
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append((host, port))
        raise httpcore.ConnectError("recorded")


async def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = Resolver({"hooks.example.nl": [[PUBLIC]]})
    monkeypatch.setattr(targets, "_getaddrinfo", resolver)
    network = Recording()
    backend = targets.PinnedBackend(allow_local=False, inner=network)

    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("hooks.example.nl", 443)

    assert resolver.lookups == ["hooks.example.nl"]
    assert network.connected == [(PUBLIC, 443)]


async def test_a_name_that_turns_internal_after_the_subscription_check_is_never_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DNS rebinding: public when the subscription was checked, loopback when the webhook is sent
    resolver = Resolver({"rebind.example.nl": [[PUBLIC], ["127.0.0.1"]]})
    monkeypatch.setattr(targets, "_getaddrinfo", resolver)
    await targets.check("https://rebind.example.nl/hook", allow_local=False)
    network = Recording()
    backend = targets.PinnedBackend(allow_local=False, inner=network)

    with pytest.raises(targets.TargetRefused, match="non-public"):
        await backend.connect_tcp("rebind.example.nl", 443)

    assert network.connected == []


async def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(targets, "_getaddrinfo", Resolver({"mixed.example.nl": [[PUBLIC, "10.0.0.5"]]}))
    network = Recording()

    with pytest.raises(targets.TargetRefused):
        await targets.PinnedBackend(allow_local=False, inner=network).connect_tcp("mixed.example.nl", 443)

    assert network.connected == []


@pytest.fixture(scope="module")
def tls_receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An https receiver on 127.0.0.1 whose certificate names only `hooks.example.nl`; it answers
    with the Host header it was sent. Yields its port and the CA to trust."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("hooks.example.nl")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server.private_key_pem.write_to_path(str(folder / "server.key"))
    server.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"host": request.headers["host"], "body": (await request.body()).decode()})

    tls = {"ssl_certfile": str(folder / "server.pem"), "ssl_keyfile": str(folder / "server.key")}
    with serving(lambda _: Starlette(routes=[Route("/hook", echo, methods=["POST"])]), tls=tls) as url:
        yield url.rsplit(":", 1)[1], folder / "ca.pem"


async def test_a_webhook_reaches_the_checked_address_with_the_name_for_tls_and_host(
    monkeypatch: pytest.MonkeyPatch, tls_receiver: tuple[str, Path]
) -> None:
    port, ca = tls_receiver
    resolver = Resolver({"hooks.example.nl": [["127.0.0.1"]]})
    monkeypatch.setattr(targets, "_getaddrinfo", resolver)
    transport = targets.PinnedTransport(allow_local=True, verify=ssl.create_default_context(cafile=str(ca)))
    url = f"https://hooks.example.nl:{port}/hook"

    async with httpx.AsyncClient(transport=transport) as client:
        outcome = await sender.post(client, url, payload=b"{}", headers={}, allow_local=True)

    assert outcome.statuscode == 200, outcome.fout  # the certificate for the name was accepted
    assert outcome.antwoord is not None
    assert json.loads(outcome.antwoord) == {"host": f"hooks.example.nl:{port}", "body": "{}"}
    assert resolver.lookups == ["hooks.example.nl"]


async def test_the_worker_client_refuses_an_internal_address_when_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(targets, "_getaddrinfo", Resolver({"intern.example.nl": [["10.1.2.3"]]}))

    async with targets.webhook_client(allow_local=False) as client:
        outcome = await sender.post(
            client, "https://intern.example.nl/hook", payload=b"{}", headers={}, allow_local=False
        )

    assert outcome.statuscode is None
    assert outcome.fout is not None
    assert "non-public" in outcome.fout
