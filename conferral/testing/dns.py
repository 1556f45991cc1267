"""A small authoritative DNS server for tests: dnslib on 127.0.0.1 (a free UDP port),
started and stopped by the fixture, answering from records the test publishes, changes
and removes as it goes. A name with no record at all is NXDOMAIN; a name with records
of other types only gets an empty answer, as from a real server; `refusing` makes it
refuse every query.

    def test_it_checks(dns_zone):
        dns_zone.publish("_dmarc.example.org", "TXT", "v=DMARC1; p=none")
        dns_zone.publish("bounces.example.org", "MX", "10 mx.example.net.")
        # settings.DNS_RESOLVER now points at it: "127.0.0.1:<port>"
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from dnslib import MX, QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer
from pytest_django.fixtures import Settings

TTL = 60
TXT_CHUNK = 255  # a TXT character-string holds at most 255 bytes


def _key(name: str) -> str:
    return name.rstrip(".").lower()


class DnsZone(BaseResolver):  # type: ignore[misc]
    """The records served, by name and type; safe to change while the server runs."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()
        self.address = ""  # "127.0.0.1:<port>" once started
        self.queries: list[tuple[str, str]] = []
        self.refusing = False  # answer every query REFUSED, as a misconfigured server

    def publish(self, name: str, rtype: str, value: str) -> None:
        """Add a record: a TXT value (split into 255-byte strings as needed) or an MX
        as "<preference> <host>"."""
        with self._lock:
            self._records.setdefault((_key(name), rtype.upper()), []).append(value)

    def replace(self, name: str, rtype: str, value: str) -> None:
        self.remove(name, rtype)
        self.publish(name, rtype, value)

    def remove(self, name: str, rtype: str) -> None:
        with self._lock:
            self._records.pop((_key(name), rtype.upper()), None)

    def values(self, name: str, rtype: str) -> list[str]:
        with self._lock:
            return list(self._records.get((_key(name), rtype.upper()), []))

    def _known(self, name: str) -> bool:
        with self._lock:
            return any(key[0] == name for key in self._records)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        qname = request.q.qname
        name, rtype = _key(str(qname)), QTYPE[request.q.qtype]
        self.queries.append((name, rtype))
        if self.refusing:
            reply.header.rcode = RCODE.REFUSED
            return reply
        if not self._known(name):
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for value in self.values(name, rtype):
            if rtype == "TXT":
                data = value.encode()
                chunks = [data[i : i + TXT_CHUNK] for i in range(0, len(data), TXT_CHUNK)]
                reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(chunks or [b""]), ttl=TTL))
            elif rtype == "MX":
                preference, host = value.split()
                reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(host, int(preference)), ttl=TTL))
        return reply


@pytest.fixture
def dns_zone(settings: Settings) -> Iterator[DnsZone]:
    """A running DNS server with no records yet; the record check asks it."""
    zone = DnsZone()
    server = DNSServer(
        zone,
        address="127.0.0.1",
        port=0,
        logger=DNSLogger("-request,-reply,-truncated", prefix=False),
    )
    zone.address = f"127.0.0.1:{server.server.server_address[1]}"
    server.start_thread()
    settings.DNS_RESOLVER = zone.address
    try:
        yield zone
    finally:
        server.stop()
        server.server.server_close()
