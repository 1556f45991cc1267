"""django://dotted.path.EmailBackend sends through any Django email backend (django-anymail
providers included), one message per recipient, with the provider's verdict recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send


class ProviderBackend(AnymailTestBackend):  # type: ignore[misc]  # anymail is untyped
    """A provider that refuses *refused@* addresses and is down for *flaky@* ones."""

    def post_to_esp(self, payload: Any, message: Any) -> Any:
        address = payload.recipient_emails[0]
        if address.startswith("flaky@"):
            mail.outbox.append(message)
            raise AnymailAPIError("provider unavailable (503)")
        refusal = {"refused@": "rejected", "invalid@": "invalid"}.get(
            address[: address.find("@") + 1]
        )
        if refusal:
            message.anymail_test_response = {
                "recipient_status": {
                    address: AnymailRecipientStatus(message_id=None, status=refusal)
                }
            }
        return super().post_to_esp(payload, message)


def test_it_sends_through_a_provider_backend_one_message_per_recipient(
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.EMAIL_URL = "django://conferral.delivery.tests.test_backend_transport.ProviderBackend"
    settings.SEND_RETRY_DELAYS = [600]
    _ok, _refused, _invalid, flaky, quoted = add_recipients(
        ("Åsa Øberg", "asa@example.com"),
        ("Refused", "refused@example.com"),
        ("Invalid", "invalid@example.com"),
        ("Flaky", "flaky@example.com"),
        ('<b>Eve</b> "the, third"', "eve@example.com"),
    )

    certificate_send(certificate=certificate)
    deliver_due()

    sent = [m for m in mail.outbox if m.to == ["Åsa Øberg <asa@example.com>"]]
    assert len(sent) == 1
    assert sent[0].subject == "Your certificate: Python Fundamentals"
    assert "Hello Åsa Øberg," in sent[0].body
    assert isinstance(sent[0], EmailMultiAlternatives)
    html, mimetype = sent[0].alternatives[0]
    assert mimetype == "text/html"
    assert isinstance(html, str)
    assert "Hello Åsa Øberg," in html
    assert sent[0].extra_headers["Message-ID"].endswith("@conferral.localhost>")
    # One-click unsubscribe reaches the provider too (RFC 8058).
    assert sent[0].extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/u/" in sent[0].extra_headers["List-Unsubscribe"]
    assert sent[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    rows = {r.email: r for r in Recipient.objects.all()}
    assert rows["asa@example.com"].email_status == EmailStatus.DELIVERED
    assert rows["asa@example.com"].last_reply.startswith("accepted by conferral.delivery.tests")
    assert rows["refused@example.com"].email_status == EmailStatus.BOUNCED
    # The provider's refusal is its policy, not a bad address: blocked, not suppressed.
    assert rows["refused@example.com"].bounce_kind == BounceKind.BLOCKED
    assert rows["invalid@example.com"].bounce_kind == BounceKind.HARD
    assert rows["flaky@example.com"].email_status == EmailStatus.SENDING
    assert rows["flaky@example.com"].attempts == 1
    deferred = Event.objects.get(recipient=flaky, type=EventType.EMAIL_DEFERRED)
    assert "provider unavailable" in deferred.detail["reply"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    [eve] = [m for m in mail.outbox if m.to[0].endswith("<eve@example.com>")]
    params = cast(Any, eve).anymail_test_params  # set by anymail's test backend
    assert params["to"][0].display_name == quoted.name
    assert params["from"].display_name == certificate.organization.name


def test_it_prints_messages_with_the_console_backend(
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    capsys: Any,
) -> None:
    settings.EMAIL_URL = "console:"
    [ada] = add_recipients(("Ada", "ada@example.com"))

    certificate_send(certificate=certificate)
    deliver_due()

    assert "To: Ada <ada@example.com>" in capsys.readouterr().out
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.DELIVERED
