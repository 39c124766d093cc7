"""Where webhooks may go: http(s) to public addresses, or a host an administrator allowed by name.

Without this, a subscription is a way to make Panjereh's server call anything it can reach — the database
port, a cloud metadata service (169.254.169.254), another agency's intranet — and the stored delivery errors
would tell the caller which ports are open. The address is checked when a subscription is saved and again,
after a fresh name lookup, before every delivery (a name can be pointed elsewhere after it was saved).
"""

import ipaddress
import socket
import urllib.parse

from django.conf import settings


class DestinationRefused(ValueError):
    """A webhook URL Panjereh will not call; the message says why."""


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in settings.PANJEREH_WEBHOOK_ALLOWED_HOSTS if h.strip()}


def check_destination(url: str) -> None:
    """Raise :class:`DestinationRefused` unless ``url`` is http(s) to a public address or an allowed host."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused("not a valid URL") from None
    if parts.scheme not in {"http", "https"}:
        raise DestinationRefused(f"only http and https are allowed, not «{parts.scheme}»")
    host = (parts.hostname or "").lower()
    if not host:
        raise DestinationRefused("the URL has no host")
    if parts.username or parts.password:
        raise DestinationRefused("credentials in the URL are not allowed; the signature authenticates Panjereh")
    if host in _allowed_hosts():
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        raise DestinationRefused(f"the host «{host}» cannot be found") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise DestinationRefused(f"«{host}» is a loopback, private, link-local or reserved address; an "
                                     "administrator must allow this host by name (PANJEREH_WEBHOOK_ALLOWED_HOSTS)")
