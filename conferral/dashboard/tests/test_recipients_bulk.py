"""Bulk actions on ticked recipients or on everyone a filter finds: a page that says
how many first, then the action through the same services as the API."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.dashboard.tests.recipients_helpers import bulk_url, page_text


def _five(add: Callable[..., list[Recipient]]) -> list[Recipient]:
    people = add(
        ("Ada", "ada@example.com"),
        ("Bob", "bob@example.com"),
        ("Cy", "cy@example.com"),
        ("Dee", ""),
        ("Eve", "eve@example.com"),
    )
    _ada, bob, cy, _dee, eve = people
    Recipient.objects.filter(pk=bob.pk).update(email_status=EmailStatus.DELIVERED)
    Recipient.objects.filter(pk=cy.pk).update(email_status=EmailStatus.OPENED)
    Recipient.objects.filter(pk=eve.pk).update(
        email_status=EmailStatus.DELIVERED, revoked_at=timezone.now(), revoke_reason="x"
    )
    return people


def test_it_sends_to_the_ticked_after_saying_how_many(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, bob, _cy, dee, _eve = _five(add_recipients)
    form = {
        "action": "send",
        "scope": "selected",
        "selected": [ada.public_id, bob.public_id, dee.public_id],
    }
    html = page_text(user_client.post(bulk_url(certificate), form))
    assert "3 recipients are selected." in html
    assert "1 of them will be sent the email." in html
    assert "2 are skipped" in html
    assert not Event.objects.exists()
    response = user_client.post(bulk_url(certificate), {**form, "confirm": "1"}, follow=True)
    assert "1 email is being sent." in page_text(response)
    assert list(Event.objects.values_list("recipient__name", "type")) == [
        ("Ada", EventType.EMAIL_QUEUED)
    ]


def test_it_nudges_those_who_have_not_opened(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _five(add_recipients)
    form = {"action": "nudge", "scope": "all"}
    html = page_text(user_client.post(bulk_url(certificate), form))
    assert "5 recipients are selected." in html
    assert "1 of them received the email but has not opened it" in html
    response = user_client.post(bulk_url(certificate), {**form, "confirm": "1"}, follow=True)
    assert "1 reminder is being sent." in page_text(response)
    [event] = Event.objects.all()
    assert (event.recipient.name, event.type, event.detail) == (
        "Bob",
        EventType.EMAIL_QUEUED,
        {"resend": True},
    )


def test_it_revokes_everyone_a_filter_finds_with_a_reason(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _five(add_recipients)
    form = {"action": "revoke", "scope": "all", "email_status": "delivered"}
    html = page_text(user_client.post(bulk_url(certificate), form))
    assert "2 recipients are selected." in html
    assert "1 credential will be revoked for good." in html
    assert "1 is revoked already." in html
    html = page_text(user_client.post(bulk_url(certificate), {**form, "confirm": "1"}))
    assert "A reason is required" in html
    assert not Event.objects.exists()
    response = user_client.post(
        bulk_url(certificate), {**form, "confirm": "1", "reason": "Course cancelled"}, follow=True
    )
    assert "1 credential was revoked." in page_text(response)
    bob = Recipient.objects.get(name="Bob")
    assert bob.revoke_reason == "Course cancelled"
    assert list(bob.events.values_list("type", flat=True)) == [EventType.CREDENTIAL_REVOKED]
    assert Recipient.objects.filter(revoked_at__isnull=False).count() == 2


def test_it_deletes_the_ticked_only_on_this_certificate(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    foreign_recipient: Recipient,
) -> None:
    ada, bob, *_rest = _five(add_recipients)
    form = {
        "action": "delete",
        "scope": "selected",
        "selected": [ada.public_id, bob.public_id, foreign_recipient.public_id],
    }
    html = page_text(user_client.post(bulk_url(certificate), form))
    assert "2 recipients are selected." in html
    assert "2 recipients will be deleted" in html
    response = user_client.post(bulk_url(certificate), {**form, "confirm": "1"}, follow=True)
    assert "2 recipients were deleted." in page_text(response)
    assert Recipient.objects.filter(certificate=certificate).count() == 3
    assert Recipient.objects.filter(pk=foreign_recipient.pk).exists()


def test_it_asks_for_a_selection(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _five(add_recipients)
    response = user_client.post(
        bulk_url(certificate), {"action": "delete", "scope": "selected"}, follow=True
    )
    assert "No recipients were ticked." in page_text(response)
    assert Recipient.objects.count() == 5
