"""Where the server may send a request on someone's behalf (webhooks, watched feeds): the SSRF guard.

A URL the service fetches or POSTs to was given by a caller. Unless private addresses are
allowed (on with DEBUG, for receivers and feeds on loopback), a host that resolves to a
loopback, private, multicast or reserved address is refused; a link-local one (the cloud
metadata address 169.254.169.254) is refused always. Checked before every request: DNS may
have changed since.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def address_problem(url: str, *, allow_private: bool) -> str | None:
    """Why the service must not send a request to `url`, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:  # checked even where private addresses are allowed
        return "only http(s) URLs with a host name are allowed"
    try:
        literal = ipaddress.ip_address(parts.hostname.strip("[]"))
    except ValueError:
        literal = None
    if allow_private and literal is None:
        return None  # a name: resolved only where private addresses are refused (no DNS wait in development)
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number between 0 and 65535"
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        except (socket.gaierror, UnicodeError, ValueError):
            return f"{parts.hostname} does not resolve"
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if address.is_link_local:  # never allowed: the cloud metadata service lives there
            return f"{parts.hostname} is a non-public, link-local address ({address}), where cloud metadata services answer"
        if not allow_private and not address.is_global:
            return f"{parts.hostname} resolves to a non-public address ({address})"
    return None
