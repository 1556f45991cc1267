"""Published address ranges of the machines that fetch tracked email: one dated JSON
file per list in conferral/tracking/networks/, each naming its source and the day it
was taken (scripts/update_networks.py takes them again).

A hit is judged on every request, so each list is parsed once, at import, into sorted
integer ranges (overlaps merged) per IP version: a look-up is one bisection, whatever
the number of networks."""

from __future__ import annotations

import ipaddress
import json
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

NETWORKS_DIR = Path(__file__).resolve().parent / "networks"


@dataclass(frozen=True, slots=True)
class AddressRanges:
    """One list's networks as merged [first, last] integer ranges, per IP version."""

    name: str
    starts: dict[int, list[int]]
    ends: dict[int, list[int]]

    def __contains__(self, address: str) -> bool:
        parsed = _address(address)
        if parsed is None:
            return False
        version, number = parsed
        starts = self.starts.get(version, [])
        index = bisect_right(starts, number) - 1
        return index >= 0 and number <= self.ends[version][index]


def address_ranges(name: str, networks: list[str]) -> AddressRanges:
    """Merge `networks` (CIDR strings) into sorted ranges; a malformed one is an error
    that names the list."""
    spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for text in networks:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError as error:
            raise ValueError(f"{name}: not a network: {text!r} ({error})") from error
        spans[network.version].append(
            (int(network.network_address), int(network.broadcast_address))
        )
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for version, ranges in spans.items():
        merged: list[list[int]] = []
        for first, last in sorted(ranges):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        starts[version] = [first for first, _ in merged]
        ends[version] = [last for _, last in merged]
    return AddressRanges(name=name, starts=starts, ends=ends)


def network_file(name: str) -> dict[str, Any]:
    """The parsed JSON of networks/<name>.json."""
    data: dict[str, Any] = json.loads((NETWORKS_DIR / f"{name}.json").read_text())
    return data


def published_ranges(name: str) -> AddressRanges:
    """The ranges of networks/<name>.json, parsed once per process."""
    return address_ranges(name, list(network_file(name)["networks"]))


@lru_cache(maxsize=4096)
def _address(client_address: str) -> tuple[int, int] | None:
    try:
        address = ipaddress.ip_address(client_address.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.version, int(address)
