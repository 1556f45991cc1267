"""Where a webhook may go. A URL is http or https with a host and no password in it;
its host is resolved once at send time, and the connection goes to one of the very
addresses checked (conferral.webhooks.transport), so a name that resolves to a public
address for the check and to 127.0.0.1 a moment later (DNS rebinding) reaches nothing
inside.

Loopback, private, link-local, shared (carrier-grade NAT), multicast, reserved and
unspecified addresses are refused unless the operator sets
CONFERRAL_WEBHOOKS_ALLOW_PRIVATE (a test's receiver on 127.0.0.1, an intranet)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL cannot be used, or its host resolves to no address we may reach."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query


def address_allowed(address: IpAddress) -> bool:
    """Only globally reachable unicast addresses (an IPv4-mapped IPv6 address is judged
    as the IPv4 address it carries), unless the operator allows private ones."""
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return not address.is_unspecified and not address.is_multicast
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast and not address.is_reserved


def target_of(url: str) -> Target:
    """The parts of a webhook URL, or AddressRefused saying what is wrong with it. A
    host written as an address is checked here too; a name is checked at send time."""
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(
            _("This is not a valid URL (%(error)s).") % {"error": error}
        ) from error
    if parts.scheme not in {"http", "https"}:
        raise AddressRefused(_("The URL must start with https:// or http://."))
    if not parts.hostname:
        raise AddressRefused(_("The URL has no host."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("The URL must not contain a user name or password."))
    literal = _literal(parts.hostname)
    if literal is not None and not address_allowed(literal):
        raise AddressRefused(_("Webhooks cannot go to private, loopback or link-local addresses."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (443 if parts.scheme == "https" else 80),
        path=path,
    )


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_resolve(target: Target) -> list[str]:
    """The addresses the connection may go to, in the resolver's order: those of the
    host's that may be reached, or AddressRefused when there is none."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(
            _("The host could not be resolved (%(error)s).") % {"error": error}
        ) from error
    allowed: list[str] = []
    for _family, _kind, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address_allowed(address) and str(address) not in allowed:
            allowed.append(str(address))
    if not allowed:
        raise AddressRefused(
            _("%(host)s resolves only to private, loopback or link-local addresses.")
            % {"host": target.host}
        )
    return allowed
