"""Taking the published address ranges again: each file of conferral/tracking/networks/
names its sources and their format; this reads them and writes the file anew with the
day it was taken (scripts/update_networks.py, where the internet can be reached).

A source that cannot be read, is not in its format or gives no network at all is an
error that names it, and its file is left as it was: a list is never emptied by a
failed download."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conferral.tracking.machine_networks import NETWORKS_DIR, address_ranges

Fetch = Callable[[str], bytes]
TIMEOUT_SECONDS = 30
# In Microsoft 365's endpoint list, the entries of Exchange Online Protection.
_EOP_HOST = "*.mail.protection.outlook.com"


class SourceError(Exception):
    """A source could not be read or did not hold what its format promises."""


def _rdap(data: Any) -> list[str]:
    """An RDAP IP network object (RFC 9083 with the cidr0 extension of the RIRs)."""
    cidrs = data.get("cidr0_cidrs") if isinstance(data, dict) else None
    if not isinstance(cidrs, list):
        raise SourceError("no cidr0_cidrs in the RDAP answer")
    networks = []
    for cidr in cidrs:
        prefix = cidr.get("v4prefix") or cidr.get("v6prefix")
        networks.append(f"{prefix}/{cidr.get('length')}")
    return networks


def _google(data: Any) -> list[str]:
    """Google's JSON of crawler ranges: {"creationTime": …, "prefixes": [{"ipv4Prefix"}…]}."""
    prefixes = data.get("prefixes") if isinstance(data, dict) else None
    if not isinstance(prefixes, list):
        raise SourceError("no prefixes in Google's list")
    return [
        str(p.get("ipv4Prefix") or p.get("ipv6Prefix")) for p in prefixes if isinstance(p, dict)
    ]


def _microsoft_endpoints(data: Any) -> list[str]:
    """Microsoft 365's endpoint list: the address ranges of Exchange Online Protection."""
    if not isinstance(data, list):
        raise SourceError("Microsoft's endpoint list is not a list")
    return [
        ip
        for entry in data
        if isinstance(entry, dict) and _EOP_HOST in entry.get("urls", [])
        for ip in entry.get("ips", [])
    ]


PARSERS: dict[str, Callable[[Any], list[str]]] = {
    "rdap": _rdap,
    "google": _google,
    "microsoft-endpoints": _microsoft_endpoints,
}


def download(url: str) -> bytes:
    """The body at `url`, an http(s) URL (an HTTP error raises)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SourceError(f"{url}: not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        body: bytes = response.read()
    return body


def networks_of(url: str, format: str, fetch: Fetch = download) -> list[str]:
    """The networks one source publishes, checked."""
    try:
        data = json.loads(fetch(url))
    except (OSError, ValueError) as error:
        raise SourceError(f"{url}: {error}") from error
    try:
        networks = PARSERS[format](data)
    except (SourceError, AttributeError, TypeError) as error:
        raise SourceError(f"{url}: not in the {format} format ({error})") from error
    if not networks:
        raise SourceError(f"{url}: lists no network")
    for network in networks:
        try:
            ipaddress.ip_network(str(network), strict=False)
        except ValueError as error:
            raise SourceError(f"{url}: not a network: {network!r}") from error
    return [str(network) for network in networks]


def _order(network: str) -> tuple[int, int, int]:
    parsed = ipaddress.ip_network(network, strict=False)
    return parsed.version, int(parsed.network_address), parsed.prefixlen


def network_file_update(path: Path, *, fetch: Fetch = download, today: dt.date) -> int:
    """Take the sources of the network file at `path` again and rewrite it; returns how
    many networks it now holds. On any error the file is left as it was."""
    data = json.loads(path.read_text())
    networks: list[str] = []
    for url in data["sources"]:
        networks.extend(networks_of(url, data["format"], fetch))
    unique = sorted(set(networks), key=_order)
    address_ranges(path.stem, unique)  # loads as the detector will
    data.update(networks=unique, taken=today.isoformat())
    # What was said of a list written down by hand no longer holds once it is taken.
    data.pop("missing", None)
    data.pop("note", None)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)
    return len(unique)


def networks_update(
    folder: Path = NETWORKS_DIR, *, fetch: Fetch = download, today: dt.date | None = None
) -> dict[str, int | str]:
    """Update every network file of `folder`: for each, the networks it now holds, or
    the error that left it unchanged."""
    day = today or dt.datetime.now(dt.UTC).date()
    results: dict[str, int | str] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            results[path.stem] = network_file_update(path, fetch=fetch, today=day)
        except SourceError as error:
            results[path.stem] = str(error)
    return results
