"""The provider's id of each message (django-anymail's message_id) is kept on the
recipient when the provider accepts it: the provider's webhooks name the message by it."""

from __future__ import annotations

from collections.abc import Callable

from django.core import mail
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Recipient
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send, recipient_resend
from conferral.testing.smtp import SmtpServer


def test_it_stores_the_id_anymails_test_backend_gives_each_message(
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.EMAIL_URL = "django://anymail.backends.test.EmailBackend"
    add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))

    certificate_send(certificate=certificate)
    deliver_due()

    # The test backend's id is the message's place in the outbox.
    by_address = {message.to[0]: str(i) for i, message in enumerate(mail.outbox)}
    stored = {r.email: r.provider_message_id for r in Recipient.objects.all()}
    assert stored == {
        "ada@example.com": by_address["Ada <ada@example.com>"],
        "bob@example.com": by_address["Bob <bob@example.com>"],
    }
    assert Recipient.objects.get(email="ada@example.com").last_reply.endswith(
        f" as {stored['ada@example.com']}"
    )


def test_it_replaces_the_id_when_the_message_is_sent_again_over_smtp(
    settings: Settings,
    smtp: SmtpServer,
    sent_through_provider: Callable[[str, str], Recipient],
) -> None:
    recipient = sent_through_provider("ada@example.com", "provider-id-1")
    assert recipient.provider_message_id == "provider-id-1"
    settings.EMAIL_URL = smtp.url

    recipient_resend(recipient=recipient)
    deliver_due()

    recipient.refresh_from_db()
    assert recipient.sends == 2
    # SMTP gives no provider id: the first message's events no longer find the recipient.
    assert recipient.provider_message_id == ""
