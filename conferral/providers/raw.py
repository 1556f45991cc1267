"""What django-anymail does not normalise, read from a provider's raw event.

The address of the client that opened or clicked matters to machine detection (Apple's
privacy proxy and Microsoft's link scanners are known by their networks); only the
providers that report it are listed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def raw_field(raw: Any, *path: str) -> Any:
    """A nested value of a provider's raw event (a dict, or Mailgun's legacy form
    fields), or None."""
    for key in path:
        if not isinstance(raw, Mapping):
            return None
        raw = raw.get(key)
    return raw


_CLIENT_ADDRESS: dict[str, Callable[[Any], Any]] = {
    "Amazon SES": lambda raw: (
        raw_field(raw, "open", "ipAddress") or raw_field(raw, "click", "ipAddress")
    ),
    "Mailgun": lambda raw: raw_field(raw, "event-data", "ip") or raw_field(raw, "ip"),
    "Postmark": lambda raw: raw_field(raw, "Geo", "IP"),
    "SendGrid": lambda raw: raw_field(raw, "ip"),
}


def client_address(esp_name: str, event: Any) -> str:
    """The opening or clicking client's IP address, as the provider reports it, or ""."""
    read = _CLIENT_ADDRESS.get(esp_name)
    address = read(event.esp_event) if read is not None else None
    return address if isinstance(address, str) else ""
