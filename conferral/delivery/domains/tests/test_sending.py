"""Messages of an organization whose domain passed its check go from that domain,
DKIM-signed twice (RSA and Ed25519), with its Reply-To and return path, through its own
mail service when it has one; everyone else's go as before. Sent through the real
deliver loop to a real SMTP server, and verified with dkimpy against the real DNS
server the records are published in."""

from __future__ import annotations

from collections.abc import Callable

import dkim
import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.delivery.bounce_domains import bounce_domains
from conferral.delivery.domains import keys
from conferral.delivery.domains.check import txt_values
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.services import sending_domain_check
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.dns import DnsZone
from conferral.testing.smtp import SmtpServer


def _dns_txt(name: bytes, timeout: int = 5) -> bytes | None:
    """dkimpy's key lookup, through the test's DNS server."""
    values = txt_values(name.decode("ascii").rstrip("."))
    return values[0].encode() if values else None


def _verified(raw: bytes) -> list[bool]:
    signed = dkim.DKIM(raw)
    count = sum(1 for name, _value in signed.headers if name.lower() == b"dkim-signature")
    return [dkim.DKIM(raw).verify(idx=index, dnsfunc=_dns_txt) for index in range(count)]


@pytest.fixture
def checked(published: DnsZone, domain: SendingDomain) -> SendingDomain:
    domain = sending_domain_check(domain=domain)
    assert domain.check_passed, domain.last_check
    return domain


def _send(certificate: Certificate, *people: tuple[str, str]) -> list[Recipient]:
    rows = [RawRow(i, name, address) for i, (name, address) in enumerate(people, start=1)]
    recipients = recipients_add(certificate=certificate, rows=rows).recipients
    certificate_send(certificate=certificate)
    return recipients


def test_it_sends_from_the_domain_signed_with_both_keys(
    smtp: SmtpServer, checked: SendingDomain, certificate: Certificate
) -> None:
    [ada] = _send(certificate, ("Ada Lovelace", "ada@example.com"))

    report = deliver_due()

    assert report.delivered == 1
    [received] = smtp.messages
    message = received.message
    assert message["From"] == "Acme Academy Certificates <certificates@acme.example>"
    assert message["Reply-To"] == "office@acme.example"
    assert received.mail_from == f"bounces+{ada.public_id}@bounces.acme.example"
    assert message["Message-ID"].endswith("@acme.example>")
    signatures = ["".join(value.split()) for value in message.get_all("DKIM-Signature", [])]
    assert len(signatures) == 2
    assert "a=rsa-sha256" in signatures[0]
    assert f"s={checked.dkim_selector_rsa}" in signatures[0]
    assert "a=ed25519-sha256" in signatures[1]
    assert f"s={checked.dkim_selector_ed25519}" in signatures[1]
    for signature in signatures:
        assert "c=relaxed/relaxed" in signature
        assert "d=acme.example" in signature
        signed = signature.split("h=")[1].split(";")[0].split(":")
        assert signed[:8] == [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "reply-to",
            "mime-version",
            "content-type",
        ]
        assert signed[-1] == "from"  # signed once more than it occurs: none can be added
    assert _verified(received.data) == [True, True]


def test_it_fails_the_signatures_of_a_message_changed_on_the_way(
    smtp: SmtpServer, checked: SendingDomain, certificate: Certificate
) -> None:
    _send(certificate, ("Ada Lovelace", "ada@example.com"))
    deliver_due()
    [received] = smtp.messages

    changed_body = received.data.replace(b"Ada Lovelace", b"Eve Mallory", 1)
    changed_from = received.data.replace(b"certificates@acme.example", b"ceo@acme.example", 1)

    assert changed_body != received.data
    assert changed_from != received.data
    assert _verified(changed_body) == [False, False]
    assert _verified(changed_from) == [False, False]


def test_it_fails_the_signatures_once_the_published_keys_are_replaced(
    smtp: SmtpServer, checked: SendingDomain, certificate: Certificate, published: DnsZone
) -> None:
    _send(certificate, ("Ada Lovelace", "ada@example.com"))
    deliver_due()
    [received] = smtp.messages

    rsa_name = f"{checked.dkim_selector_rsa}._domainkey.acme.example"
    published.replace(rsa_name, "TXT", keys.dkim_record(keys.rsa_generate().private_pem))

    assert _verified(received.data) == [False, True]


def test_it_sends_as_before_until_the_check_passed(
    smtp: SmtpServer, domain: SendingDomain, dns_zone: DnsZone, certificate: Certificate
) -> None:
    [ada] = _send(certificate, ("Ada Lovelace", "ada@example.com"))
    domain = sending_domain_check(domain=domain)  # nothing is published
    assert not domain.check_passed

    deliver_due()

    [received] = smtp.messages
    assert received.message["From"] == "Acme Academy <certificates@conferral.localhost>"
    assert received.message["Reply-To"] is None
    assert received.message["DKIM-Signature"] is None
    assert received.mail_from == f"bounces+{ada.public_id}@conferral.localhost"


def test_it_sends_each_organization_through_its_own_mail_service_in_one_batch(
    settings: Settings,
    smtp_server: SmtpServer,
    checked: SendingDomain,
    certificate: Certificate,
    other_org: Organization,
) -> None:
    settings.EMAIL_URL = "mailbox:"
    checked.email_url = smtp_server.url
    checked.save()
    theirs = certificate_create(organization=other_org, name="Their Course")
    [bob] = _send(theirs, ("Bob", "bob@example.com"))
    [ada, cleo] = _send(certificate, ("Ada", "ada@example.com"), ("Cleo", "cleo@example.com"))

    report = deliver_due()

    assert (report.batches, report.delivered) == (1, 3)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "ada@example.com",
        "cleo@example.com",
    ]
    assert all(_verified(m.data) == [True, True] for m in smtp_server.messages)
    [stored] = MailboxMessage.objects.all()
    assert (stored.to, stored.organization_id) == ("bob@example.com", other_org.pk)
    assert stored.sender == f"bounces+{bob.public_id}@conferral.localhost"
    assert b"DKIM-Signature" not in bytes(stored.raw)
    assert b"From: Other Org <certificates@conferral.localhost>" in bytes(stored.raw)
    assert {ada.public_id, cleo.public_id} <= {
        m.mail_from.split("+")[1].split("@")[0] for m in smtp_server.messages
    }


def test_it_holds_the_messages_back_when_the_domains_mail_service_is_down(
    settings: Settings,
    smtp: SmtpServer,
    checked: SendingDomain,
    certificate: Certificate,
    other_org: Organization,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    checked.email_url = "smtp://127.0.0.1:1?timeout=2"
    checked.save()
    theirs = certificate_create(organization=other_org, name="Their Course")
    _send(theirs, ("Bob", "bob@example.com"))
    [ada] = _send(certificate, ("Ada", "ada@example.com"))

    report = deliver_due()

    # The organization's own relay is down: its messages wait (no attempt used), the
    # others go out through the installation's.
    assert (report.delivered, report.paused) == (1, 1)
    assert [m.rcpt_tos for m in smtp.messages] == [["bob@example.com"]]
    ada.refresh_from_db()
    assert "could not connect to 127.0.0.1:1" in ada.last_reply
    assert ada.next_attempt_at is not None
    assert ada.attempts == 0


@pytest.mark.parametrize(
    ("field", "value", "reason", "held"),
    [
        ("dkim_private_key_rsa", "not a key", "the DKIM keys of acme.example", "deferred"),
        ("email_url", "ftp://files.acme.example", "the mail service of acme.example", "deferred"),
        # A backend that cannot be opened is a mail service that cannot be reached.
        ("email_url", "django://conferral.nowhere.EmailBackend", "could not be opened", "paused"),
    ],
)
def test_it_holds_the_messages_back_with_the_reason_when_a_stored_setting_cannot_be_used(
    smtp: SmtpServer,
    checked: SendingDomain,
    certificate: Certificate,
    field: str,
    value: str,
    reason: str,
    held: str,
) -> None:
    SendingDomain.objects.filter(pk=checked.pk).update(**{field: value})
    [ada] = _send(certificate, ("Ada", "ada@example.com"))

    report = deliver_due()

    assert (report.delivered, getattr(report, held)) == (0, 1)
    assert smtp.messages == []
    ada.refresh_from_db()
    assert reason in ada.last_reply


def test_it_signs_the_issuers_test_email_as_the_recipients_get_it(
    smtp: SmtpServer, checked: SendingDomain, certificate: Certificate, user_client: Client
) -> None:
    response = user_client.post(
        f"/certificates/{certificate.public_id}/test-email/", {"to": "me@acme.example"}
    )

    assert response.status_code == 302
    [received] = smtp.messages
    assert received.message["From"] == "Acme Academy Certificates <certificates@acme.example>"
    assert _verified(received.data) == [True, True]


def test_it_asks_to_allowlist_the_domains_own_address(
    checked: SendingDomain, certificate: Certificate
) -> None:
    people = _send(certificate, *[(f"P{i}", f"p{i}@corp.example") for i in range(3)])
    Recipient.objects.filter(pk__in=[p.pk for p in people]).update(
        email_status="bounced", bounce_kind="blocked"
    )

    [line] = bounce_domains(certificate)

    assert "allowlist certificates@acme.example" in line.text
