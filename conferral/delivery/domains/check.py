"""Look up each record a sending domain needs (`records.records_for`) and say, per
record, whether it is published: ok, missing, wrong (with what was found instead), or
failed (the lookup itself did not get an answer). For DKIM, ok means the published p=
is this domain's current key.

Lookups go to the system's resolver, or to CONFERRAL_DNS_RESOLVER ("host" or
"host:port", e.g. "127.0.0.1:5353"). When the DNS gives no answer at all, the check
says so for every record after the first instead of waiting for each to time out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import dns.exception
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from conferral.delivery.domains import records as domain_records
from conferral.delivery.domains.records import Record

LOOKUP_SECONDS = 5.0
DEFAULT_PORT = 53


class Outcome(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"
    FAILED = "failed"


@dataclass
class RecordCheck:
    key: str
    type: str
    name: str
    expected: str
    status: Outcome
    problem: str = ""
    found: list[str] = field(default_factory=list)


class LookupFailed(Exception):
    """The DNS gave no answer (timeout, refused, no server): nothing is known."""


def resolver() -> dns.resolver.Resolver:
    configured = settings.DNS_RESOLVER.strip()
    if not configured:
        system = dns.resolver.Resolver()
        system.lifetime = LOOKUP_SECONDS
        return system
    host, port = configured, DEFAULT_PORT
    if configured.startswith("["):
        host, _sep, rest = configured[1:].partition("]")
        if rest.startswith(":"):
            port = _port(configured, rest[1:])
    elif configured.count(":") == 1:
        host, _sep, number = configured.partition(":")
        port = _port(configured, number)
    chosen = dns.resolver.Resolver(configure=False)
    chosen.nameservers = [host]
    chosen.port = port
    chosen.lifetime = LOOKUP_SECONDS
    return chosen


def _port(configured: str, number: str) -> int:
    if not number.isdigit() or not 0 < int(number) < 65536:
        raise ImproperlyConfigured(
            f"CONFERRAL_DNS_RESOLVER={configured!r}: the port must be a number from 1 to 65535"
        )
    return int(number)


def _answer(chosen: dns.resolver.Resolver, name: str, rdtype: str) -> list[Any]:
    try:
        return list(chosen.resolve(name, rdtype, search=False))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as error:
        raise LookupFailed(str(error) or type(error).__name__) from error


def txt_values(name: str, chosen: dns.resolver.Resolver | None = None) -> list[str]:
    """Every TXT record at `name`, each one's strings joined (a value longer than 255
    characters is published as several)."""
    answers = _answer(chosen or resolver(), name, "TXT")
    return [
        b"".join(rdata.strings).decode("utf-8", "replace")
        for rdata in answers
        if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
    ]


def mx_hosts(name: str, chosen: dns.resolver.Resolver | None = None) -> list[str]:
    answers = _answer(chosen or resolver(), name, "MX")
    return [
        str(rdata.exchange).rstrip(".").lower()
        for rdata in answers
        if isinstance(rdata, dns.rdtypes.ANY.MX.MX)
    ]


def tags(value: str) -> dict[str, str]:
    """The tag=value pairs of a DKIM or DMARC record (tags lower-cased, spaces dropped)."""
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, tag_value = part.partition("=")
        if sep:
            pairs[name.strip().lower()] = "".join(tag_value.split())
    return pairs


def _starting(values: list[str], prefix: str) -> list[str]:
    return [v for v in values if v.strip().lower().startswith(prefix.lower())]


def _dkim(record: Record, found: list[str]) -> tuple[Outcome, str]:
    keys = [v for v in found if "p" in tags(v)]
    if not keys:
        return Outcome.MISSING, _("No DKIM key is published at this name.")
    kind = "ed25519" if record.key == domain_records.DKIM_ED25519 else "rsa"
    for value in keys:
        published = tags(value)
        if published["p"] == record.expected and published.get("k", "rsa").lower() == kind:
            return Outcome.OK, ""
    published = tags(keys[0])
    if published.get("k", "rsa").lower() != kind:
        return Outcome.WRONG, _("The published key is of type k=%(found)s, not k=%(kind)s.") % {
            "found": published.get("k", "rsa"),
            "kind": kind,
        }
    if not published["p"]:
        return Outcome.WRONG, _("The published key is empty (p=): it was revoked.")
    return Outcome.WRONG, _(
        "The published key (p=) is not this domain's current key: publish the value shown."
    )


def _spf(record: Record, found: list[str]) -> tuple[Outcome, str]:
    spf = _starting(found, "v=spf1")
    if not spf:
        return Outcome.MISSING, _("There is no SPF record (v=spf1) at this name.")
    if len(spf) > 1:
        return Outcome.WRONG, _(
            "There are %(count)d SPF records; receivers treat that as an error. Merge them "
            "into one."
        ) % {"count": len(spf)}
    if record.expected.lower() not in spf[0].lower().split():
        return Outcome.WRONG, _("The SPF record does not include %(mechanism)s.") % {
            "mechanism": record.expected
        }
    return Outcome.OK, ""


def _dmarc(found: list[str]) -> tuple[Outcome, str]:
    dmarc = _starting(found, "v=DMARC1")
    if not dmarc:
        return Outcome.MISSING, _("There is no DMARC record (v=DMARC1) at this name.")
    if len(dmarc) > 1:
        return Outcome.WRONG, _(
            "There are %(count)d DMARC records; receivers then ignore them all."
        ) % {"count": len(dmarc)}
    if "p" not in tags(dmarc[0]):
        return Outcome.WRONG, _("The DMARC record has no policy (p=).")
    return Outcome.OK, ""


def _mx(record: Record, found: list[str]) -> tuple[Outcome, str]:
    if not found:
        return Outcome.MISSING, _("The return-path domain has no MX record.")
    if record.expected not in found:
        return Outcome.WRONG, _("The MX points at %(found)s, not at %(host)s.") % {
            "found": ", ".join(found),
            "host": record.expected,
        }
    return Outcome.OK, ""


def record_check(record: Record, chosen: dns.resolver.Resolver) -> RecordCheck:
    result = RecordCheck(record.key, record.type, record.name, record.value, Outcome.OK)
    try:
        if record.type == "MX":
            result.found = mx_hosts(record.name, chosen)
            result.status, result.problem = _mx(record, result.found)
            return result
        result.found = txt_values(record.name, chosen)
    except LookupFailed as error:
        result.status = Outcome.FAILED
        result.problem = _("The lookup got no answer: %(error)s") % {"error": error}
        return result
    if record.key in (domain_records.DKIM_RSA, domain_records.DKIM_ED25519):
        result.status, result.problem = _dkim(record, result.found)
    elif record.key == domain_records.DMARC:
        result.status, result.problem = _dmarc(result.found)
    else:
        result.status, result.problem = _spf(record, result.found)
    return result


def records_check(records: list[Record]) -> dict[str, Any]:
    """The check as stored in `SendingDomain.last_check`: ok when every record is."""
    chosen = resolver()
    checks: list[RecordCheck] = []
    for record in records:
        failed = next((c for c in checks if c.status == Outcome.FAILED), None)
        if failed is None:
            checks.append(record_check(record, chosen))
        else:
            # A DNS server that did not answer once will not for the next name either:
            # the page says so at once instead of waiting for every lookup to time out.
            checks.append(
                RecordCheck(
                    record.key,
                    record.type,
                    record.name,
                    record.value,
                    Outcome.FAILED,
                    failed.problem,
                )
            )
    return {
        "ok": all(check.status == Outcome.OK for check in checks),
        "records": [asdict(check) for check in checks],
    }
