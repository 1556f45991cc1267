"""The issuer downloads a recipient's PDF to hand it out: recorded through the
dashboard (channel admin), not as the recipient's own download."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from conferral.certificates.models import EventType, Recipient
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url


def test_it_downloads_the_pdf_as_the_admin_channel(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    response = user_client.post(recipient_action_url("recipient_download", ada))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Ada Lovelace.pdf" in response["Content-Disposition"]
    [event] = ada.events.all()
    assert (event.type, event.channel, event.detail) == (
        EventType.CREDENTIAL_DOWNLOADED,
        "admin",
        {"format": "pdf"},
    )
    ada.refresh_from_db()
    assert ada.downloaded_at is None  # the recipient has not downloaded it
    html = page_text(user_client.get(recipient_action_url("recipient", ada)))
    assert '<span class="badge">dashboard</span>' in html


def test_it_refuses_a_revoked_credential(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    Recipient.objects.filter(pk=ada.pk).update(revoked_at=timezone.now(), revoke_reason="x")
    response = user_client.post(recipient_action_url("recipient_download", ada), follow=True)
    assert "This credential has been revoked" in page_text(response)
    assert not ada.events.exists()
