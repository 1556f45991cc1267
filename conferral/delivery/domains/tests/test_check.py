"""The DNS check against a real DNS server (dnslib on 127.0.0.1): every record is
looked up and said to be ok, missing or wrong, with what was found."""

from __future__ import annotations

from typing import Any

from pytest_django.fixtures import Settings

from conferral.delivery.domains import keys
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.records import records_for
from conferral.delivery.domains.services import sending_domain_check
from conferral.testing.dns import DnsZone


def _by_key(domain: SendingDomain) -> dict[str, dict[str, Any]]:
    return {check["key"]: check for check in domain.last_check["records"]}


def test_it_finds_every_published_record_ok(published: DnsZone, domain: SendingDomain) -> None:
    domain = sending_domain_check(domain=domain)

    assert domain.check_passed
    assert domain.checked_at is not None
    assert {check["status"] for check in domain.last_check["records"]} == {"ok"}
    assert set(_by_key(domain)) == {
        "dkim-rsa",
        "dkim-ed25519",
        "spf-return-path",
        "spf-from",
        "dmarc",
        "mx",
    }
    # The long RSA key went over the wire as several TXT strings and was joined again.
    assert len(keys.dkim_record(domain.dkim_private_key_rsa)) > 255


def test_it_names_the_record_that_is_missing(published: DnsZone, domain: SendingDomain) -> None:
    published.remove("_dmarc.acme.example", "TXT")

    domain = sending_domain_check(domain=domain)

    assert not domain.check_passed
    checks = _by_key(domain)
    assert checks["dmarc"]["status"] == "missing"
    assert "no DMARC record" in checks["dmarc"]["problem"]
    assert [key for key, check in checks.items() if check["status"] != "ok"] == ["dmarc"]


def test_it_says_what_it_found_instead_of_the_right_mx(
    published: DnsZone, domain: SendingDomain
) -> None:
    published.replace("bounces.acme.example", "MX", "10 mail.elsewhere.example.")

    checks = _by_key(sending_domain_check(domain=domain))

    assert checks["mx"]["status"] == "wrong"
    assert checks["mx"]["found"] == ["mail.elsewhere.example"]
    assert "mail.elsewhere.example" in checks["mx"]["problem"]
    assert "mx.conferral.example" in checks["mx"]["problem"]


def test_it_refuses_a_dkim_record_with_another_key(
    published: DnsZone, domain: SendingDomain
) -> None:
    rsa_name = f"{domain.dkim_selector_rsa}._domainkey.acme.example"
    published.replace(rsa_name, "TXT", keys.dkim_record(keys.rsa_generate().private_pem))
    ed_name = f"{domain.dkim_selector_ed25519}._domainkey.acme.example"
    published.replace(ed_name, "TXT", keys.dkim_record(domain.dkim_private_key_rsa))

    checks = _by_key(sending_domain_check(domain=domain))

    assert checks["dkim-rsa"]["status"] == "wrong"
    assert "not this domain's current key" in checks["dkim-rsa"]["problem"]
    assert checks["dkim-ed25519"]["status"] == "wrong"
    assert "k=rsa, not k=ed25519" in checks["dkim-ed25519"]["problem"]


def test_it_refuses_an_spf_record_without_the_sending_host_and_a_second_one(
    published: DnsZone, domain: SendingDomain
) -> None:
    published.replace("bounces.acme.example", "TXT", "v=spf1 include:other.example -all")
    published.publish("acme.example", "TXT", "v=spf1 mx -all")

    checks = _by_key(sending_domain_check(domain=domain))

    assert checks["spf-return-path"]["status"] == "wrong"
    assert "does not include ip4:192.0.2.25" in checks["spf-return-path"]["problem"]
    assert checks["spf-return-path"]["found"] == ["v=spf1 include:other.example -all"]
    assert checks["spf-from"]["status"] == "wrong"
    assert "2 SPF records" in checks["spf-from"]["problem"]


def test_it_accepts_the_sending_host_in_an_spf_record_that_has_more(
    published: DnsZone, domain: SendingDomain
) -> None:
    published.replace(
        "acme.example", "TXT", "v=spf1 mx include:_spf.google.com ip4:192.0.2.25 ~all"
    )
    published.publish("acme.example", "TXT", "google-site-verification=abc")

    checks = _by_key(sending_domain_check(domain=domain))

    assert checks["spf-from"]["status"] == "ok"


def test_it_derives_the_spf_mechanism_from_the_smtp_host_when_none_is_set(
    settings: Settings, domain: SendingDomain
) -> None:
    settings.SPF_INCLUDE = ""
    settings.EMAIL_URL = "smtp://relay.acme.example:587?starttls=1"

    spf = {record.key: record for record in records_for(domain)}["spf-return-path"]

    assert spf.value == "v=spf1 a:relay.acme.example -all"
    assert "CONFERRAL_EMAIL_URL" in spf.purpose


def test_it_says_the_lookup_failed_when_the_dns_server_refuses(
    published: DnsZone, domain: SendingDomain
) -> None:
    published.refusing = True

    domain = sending_domain_check(domain=domain)

    assert not domain.check_passed
    assert {check["status"] for check in domain.last_check["records"]} == {"failed"}
    assert "got no answer" in domain.last_check["records"][0]["problem"]
    assert len(published.queries) == 1  # the other records were not asked for in vain


def test_it_assumes_this_server_sends_when_no_smtp_host_is_known(
    settings: Settings, domain: SendingDomain
) -> None:
    settings.SPF_INCLUDE = ""
    settings.EMAIL_URL = "mailbox:"
    settings.BASE_URL = "http://192.0.2.80:8000"

    spf = {record.key: record for record in records_for(domain)}["spf-from"]

    assert spf.value == "v=spf1 ip4:192.0.2.80 ~all"
    assert "this Conferral server sends the messages itself" in spf.purpose


def test_it_refuses_a_dmarc_record_without_a_policy_and_two_of_them(
    published: DnsZone, domain: SendingDomain
) -> None:
    published.replace("_dmarc.acme.example", "TXT", "v=DMARC1; rua=mailto:x@acme.example")
    assert "no policy" in _by_key(sending_domain_check(domain=domain))["dmarc"]["problem"]

    published.publish("_dmarc.acme.example", "TXT", "v=DMARC1; p=reject")
    checks = _by_key(sending_domain_check(domain=domain))
    assert checks["dmarc"]["status"] == "wrong"
    assert "2 DMARC records" in checks["dmarc"]["problem"]


def test_it_says_a_revoked_dkim_key_is_revoked(published: DnsZone, domain: SendingDomain) -> None:
    published.replace(f"{domain.dkim_selector_rsa}._domainkey.acme.example", "TXT", "v=DKIM1; p=")

    checks = _by_key(sending_domain_check(domain=domain))

    assert "it was revoked" in checks["dkim-rsa"]["problem"]
