"""Revoking and deleting one recipient from their page, each after a confirmation."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from conferral.certificates.models import Certificate, EventType, Recipient
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url


def test_it_revokes_with_a_reason(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    url = recipient_action_url("recipient_revoke", ada)
    assert "Revoke the credential of Ada?" in page_text(user_client.get(url))
    response = user_client.post(url, {"reason": "   "})
    assert response.status_code == 400
    response = user_client.post(url, {"reason": "Issued by mistake"}, follow=True)
    assert "The credential was revoked." in page_text(response)
    ada.refresh_from_db()
    assert ada.revoke_reason == "Issued by mistake"
    assert list(ada.events.values_list("type", flat=True)) == [EventType.CREDENTIAL_REVOKED]


def test_it_deletes_after_asking(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    url = recipient_action_url("recipient_delete", ada)
    assert "Delete Ada?" in page_text(user_client.get(url))
    assert Recipient.objects.count() == 2
    response = user_client.post(url, follow=True)
    assert "Ada was deleted." in page_text(response)
    assert list(Recipient.objects.all()) == [bob]
