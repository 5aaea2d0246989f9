"""Where team webhooks may point: https to public addresses only, checked when a team is saved
and again, after DNS resolution, before every delivery. Plain http to a loopback address is
allowed only with the development flag (MERIDIAN_DEV_HTTP_WEBHOOKS=1)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address_problem(address: IpAddress, *, loopback_ok: bool) -> str | None:
    if address.is_loopback:
        return None if loopback_ok else f"{address} is a loopback address"
    if address.is_link_local:  # 169.254.169.254, the cloud metadata service, is link-local
        return f"{address} is a link-local address"
    if address.is_private or address.is_reserved or address.is_multicast:
        return f"{address} is not a public address"
    if address.is_unspecified:
        return f"{address} is not a public address"
    return None


def url_problem(url: str, *, allow_loopback_http: bool = False) -> str | None:
    """What is wrong with `url` as a webhook, judged without DNS; None if nothing."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "not a URL"
    if parts.scheme == "http" and allow_loopback_http:
        plain_http = True
    elif parts.scheme == "https":
        plain_http = False
    else:
        return "only https:// is allowed"
    if not host:
        return "the URL has no host"
    if parts.username or parts.password:
        return "the URL must not carry credentials"
    if host == "localhost" or host.endswith(".localhost"):
        return None if plain_http else "localhost is not allowed"
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:  # a name: judged by what it resolves to, before each delivery
        return "plain http:// is allowed only to loopback" if plain_http else None
    if plain_http and not literal.is_loopback:
        return "plain http:// is allowed only to loopback"
    return _address_problem(literal, loopback_ok=plain_http)


async def destination_problem(url: str, *, allow_loopback_http: bool = False) -> str | None:
    """`url_problem`, then every address its host resolves to must pass too (so a public name
    that points at a private address is refused); None if the delivery may go ahead."""
    if problem := url_problem(url, allow_loopback_http=allow_loopback_http):
        return problem
    parts = urlsplit(url)
    loopback_ok = allow_loopback_http and parts.scheme == "http"
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except OSError as error:
        return f"the host does not resolve: {error}"
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if problem := _address_problem(address, loopback_ok=loopback_ok):
            return f"{parts.hostname} resolves to {problem.split(' is ', 1)[0]}: {problem}"
    return None
