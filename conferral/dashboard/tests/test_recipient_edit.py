"""Correcting a recipient's name or address, and sending the email again: the first
remedy for a bounce caused by a typo."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from conferral.certificates.models import EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url


def test_it_fixes_a_bounced_address_and_resends(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@exmaple.com"))
    Recipient.objects.filter(pk=ada.pk).update(email_status=EmailStatus.BOUNCED, sends=1)
    response = user_client.post(
        recipient_action_url("recipient_edit", ada),
        {"name": "Ada Lovelace", "email": "ada@example.com", "resend": "1"},
        follow=True,
    )
    html = page_text(response)
    assert "The changes were saved." in html
    assert "The email is being sent to ada@example.com." in html
    ada.refresh_from_db()
    assert (ada.name, ada.email, ada.email_status) == (
        "Ada Lovelace",
        "ada@example.com",
        EmailStatus.SENDING,
    )
    assert list(ada.events.values_list("type", flat=True)) == [
        EventType.RECIPIENT_UPDATED,
        EventType.EMAIL_QUEUED,
    ]


def test_it_refuses_a_bad_or_taken_address(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, _bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    url = recipient_action_url("recipient_edit", ada)
    response = user_client.post(url, {"name": "Ada", "email": "ada@gmial.com"})
    assert response.status_code == 400
    assert "did you mean ada@gmail.com?" in page_text(response)
    response = user_client.post(url, {"name": "Ada", "email": "bob@example.com"})
    assert response.status_code == 400
    assert "bob@example.com is already a recipient of this certificate." in page_text(response)
    ada.refresh_from_db()
    assert ada.email == "ada@example.com"
    assert not ada.events.exists()


def test_it_resends_on_its_own(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, nobody = add_recipients(("Ada", "ada@example.com"), ("Nobody", ""))
    response = user_client.post(recipient_action_url("recipient_resend", ada), follow=True)
    assert "The email is being sent to ada@example.com." in page_text(response)
    response = user_client.post(recipient_action_url("recipient_resend", nobody), follow=True)
    assert "This recipient has no email address" in page_text(response)
