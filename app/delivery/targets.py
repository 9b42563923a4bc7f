"""Where webhooks may go: https on port 443 (or a configured port), and never to private,
loopback or link-local addresses unless a setting allows it (the sandbox and the tests do).

Checked on subscribing and again on sending. On sending the name is resolved once, every address
is checked, and the connection goes to a checked address (`PinnedBackend`): a name that answers
a public address to the check and an internal one to the connection (DNS rebinding) gets nowhere.
TLS still verifies the certificate against the name (SNI), and the Host header stays the name.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

HTTPS_PORT = 443
# IPv6 ranges that carry an IPv4 address inside: the IPv4 address decides
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why."""


def _check_host_name(host: str) -> None:
    """A name DNS can carry: labels of 1 to 63 characters, 253 in all, valid IDNA."""
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise TargetRefused(f"the host {host!r} is not a valid domain name") from None
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or any(not 1 <= len(label) <= 63 for label in labels):
        raise TargetRefused(f"the host {host!r} is not a valid domain name (empty or too long label)")


def check_syntax(url: str, *, allow_local: bool, ports: Iterable[int] = ()) -> str:
    """The host of an acceptable URL."""
    if any(ord(character) < 33 or ord(character) == 127 for character in url):
        raise TargetRefused("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        httpx.URL(url)  # what the sender will have to accept
        host = parts.hostname
        port = parts.port
    except (ValueError, httpx.InvalidURL) as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        raise TargetRefused("webhook URLs must use https")
    if not host:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials do not belong in a webhook URL")
    _check_host_name(host)
    allowed = {HTTPS_PORT, *ports}
    if not allow_local and port is not None and port not in allowed:
        listed = ", ".join(str(p) for p in sorted(allowed))
        raise TargetRefused(f"webhook URLs may use port {listed} only")
    return host


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for: mapped (::ffff:a.b.c.d), NAT64
    (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::), IPv4-compatible (::a.b.c.d) or Teredo (the
    client address)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64 or ip in NAT64_LOCAL:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Globally routable unicast only: no private, loopback, link-local, shared (100.64/10) or
    reserved ranges, whichever way the address is written (also IPv4 inside IPv6)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL:
            return False  # a local translator: whatever it reaches is internal
        inner = embedded_ipv4(ip)
        if inner is not None:
            return inner.is_global and not inner.is_multicast
    return ip.is_global and not ip.is_multicast


async def _getaddrinfo(host: str, port: int) -> list[Any]:
    return await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)


async def resolve(host: str, port: int, *, allow_local: bool) -> list[str]:
    """Every address of `host`, once; refused when any of them is not public (unless allowed)."""
    try:
        infos = await _getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"the host {host} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"the host {host} does not resolve")
    if not allow_local and not all(is_public(address) for address in addresses):
        raise TargetRefused(f"the host {host} resolves to a non-public address")
    return addresses


async def check(url: str, *, allow_local: bool, ports: Iterable[int] = ()) -> None:
    """Refuse a URL whose host is, or resolves to, a non-public address (unless allowed)."""
    host = check_syntax(url, allow_local=allow_local, ports=ports)
    if allow_local:
        return
    parts = urlsplit(url)
    await resolve(host, parts.port or HTTPS_PORT, allow_local=False)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses it resolved and checked itself, once per connection."""

    def __init__(self, *, allow_local: bool, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_local = allow_local
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - the interface httpcore calls
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port, allow_local=self.allow_local)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - the interface httpcore calls
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (same TLS, pooling and error mapping) over `PinnedBackend`."""

    def __init__(self, *, allow_local: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # httpx takes no network backend of its own; its pool hands this one to each connection
        self._pool._network_backend = PinnedBackend(allow_local=allow_local)


def webhook_client(*, allow_local: bool) -> httpx.AsyncClient:
    """The client webhooks are sent with: no redirects, connections only to checked addresses."""
    return httpx.AsyncClient(follow_redirects=False, transport=PinnedTransport(allow_local=allow_local))
