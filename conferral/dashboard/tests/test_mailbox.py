"""The local mailbox: captured messages listed, each shown as HTML in a sandbox."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Recipient
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send


def _send(certificate: Certificate) -> list[MailboxMessage]:
    certificate_send(certificate=certificate)
    deliver_due()
    return list(MailboxMessage.objects.order_by("id"))


def test_it_lists_the_captured_messages(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    messages = _send(certificate)
    assert len(messages) == 2
    html = user_client.get(reverse("dashboard:mailbox")).content.decode()
    assert "juergen@example.com" in html
    assert "asa@example.com" in html
    assert html.count("Python Fundamentals") >= 2
    for message in messages:
        assert reverse("dashboard:mailbox_message", kwargs={"message_id": message.pk}) in html


def test_it_shows_a_message_in_a_sandboxed_frame(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    message = _send(certificate)[0]
    page = user_client.get(reverse("dashboard:mailbox_message", kwargs={"message_id": message.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    frame_url = reverse("dashboard:mailbox_message_html", kwargs={"message_id": message.pk})
    assert f'src="{frame_url}"' in html

    frame = user_client.get(frame_url)
    body = frame.content.decode()
    assert frame["Content-Type"] == "text/html; charset=utf-8"
    assert frame["Content-Security-Policy"].startswith("sandbox allow-popups")
    assert "script-src" not in frame["Content-Security-Policy"]
    assert "default-src 'none'" in frame["Content-Security-Policy"]
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert '<base target="_blank">' in body
    assert "Jürgen Müller-Łukasz" in body
    assert "Get certificate" in body


def test_it_answers_404_for_an_unknown_message(user_client: Client) -> None:
    assert (
        user_client.get(
            reverse("dashboard:mailbox_message", kwargs={"message_id": 999})
        ).status_code
        == 404
    )


def test_it_is_gone_when_a_mail_server_is_configured(
    user_client: Client, settings: Settings
) -> None:
    settings.EMAIL_URL = "smtp://mail.example.org:587"
    assert user_client.get(reverse("dashboard:mailbox")).status_code == 404
    assert (
        reverse("dashboard:mailbox")
        not in user_client.get(reverse("dashboard:home")).content.decode()
    )
