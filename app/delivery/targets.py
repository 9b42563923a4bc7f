"""Where webhooks may go: https only, and never to private, loopback or link-local addresses
unless a setting allows it (the sandbox and the tests do). Checked on subscribing and on sending,
so a name that later resolves to an internal address is still refused (SSRF)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why."""


def check_syntax(url: str, *, allow_local: bool) -> str:
    """The host of an acceptable URL."""
    try:
        parts = urlsplit(url)
        httpx.URL(url)  # what the sender will have to accept
        host = parts.hostname
    except (ValueError, httpx.InvalidURL) as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    if any(ord(character) < 33 or ord(character) == 127 for character in url):
        raise TargetRefused("the URL contains spaces or control characters")
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        raise TargetRefused("webhook URLs must use https")
    if not host:
        raise TargetRefused("the URL has no host")
    if parts.username or parts.password:
        raise TargetRefused("credentials do not belong in a webhook URL")
    return host


def is_public(address: str) -> bool:
    """Globally routable unicast only: no private, loopback, link-local, shared (100.64/10) or
    reserved ranges, whichever way the address is written (also IPv4 inside IPv6)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check(url: str, *, allow_local: bool) -> None:
    """Refuse a URL whose host is, or resolves to, a non-public address (unless allowed)."""
    host = check_syntax(url, allow_local=allow_local)
    if allow_local:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefused(f"the host {host} does not resolve") from exc
    for info in infos:
        address = str(info[4][0])
        if not is_public(address):
            raise TargetRefused(f"the host {host} resolves to a non-public address")
