"""With no mail settings, every message lands in the built-in local mailbox, where the
dashboard reads it back (subject, addresses, the HTML and the text part)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import Http404
from pytest_django.fixtures import Settings

from conferral.accounts.emails import ORGANIZATION_HEADER
from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.selectors import (
    mailbox_message_get,
    mailbox_message_parts,
    mailbox_messages,
)
from conferral.delivery.services import certificate_send
from conferral.tracking.links import click_url


@pytest.fixture
def mailbox(settings: Settings) -> None:
    settings.EMAIL_URL = "mailbox:"
    # The production setting (the test runner swaps in its own locmem backend).
    settings.EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"


def test_it_captures_every_certificate_email_in_the_local_mailbox(
    mailbox: None, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _ada, asa = add_recipients(
        ("Ada <Lovelace>", "ada@example.com"), ("Åsa Øberg", "asa@example.com")
    )

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert report.delivered == 2
    stored = MailboxMessage.objects.get(to="asa@example.com")
    assert stored.organization_id == certificate.organization_id
    parts = mailbox_message_parts(stored)
    assert parts.subject == "Your certificate: Python Fundamentals"
    assert parts.to == "Åsa Øberg <asa@example.com>"
    assert "Hello Åsa Øberg," in parts.text
    assert click_url(asa) in parts.html
    assert stored.sender == f"bounces+{asa.public_id}@conferral.localhost"
    asa.refresh_from_db()
    assert asa.email_status == EmailStatus.DELIVERED
    delivered = Event.objects.get(recipient=asa, type=EventType.EMAIL_DELIVERED)
    assert delivered.detail["reply"] == f"250 stored in the local mailbox as message {stored.pk}"
    ada_parts = mailbox_message_parts(MailboxMessage.objects.get(to="ada@example.com"))
    assert "Hello Ada &lt;Lovelace&gt;," in ada_parts.html


def test_it_pages_the_mailbox_newest_first_and_404s_an_unknown_message(
    mailbox: None, org: Organization
) -> None:
    user = user_create(email="owner@acme.test", password="long enough", organization=org)
    for number in range(5):
        EmailMessage(
            f"Note {number}",
            "Body",
            "from@example.com",
            [f"to{number}@example.com"],
            headers={ORGANIZATION_HEADER: org.public_id},
        ).send()

    first = mailbox_messages(user, page=1, per_page=2)
    assert [m.subject for m in first] == ["Note 4", "Note 3"]
    assert first.paginator.count == 5
    assert [m.subject for m in mailbox_messages(user, page=3, per_page=2)] == ["Note 0"]
    assert [m.subject for m in mailbox_messages(user, page="junk", per_page=2)] == [
        "Note 4",
        "Note 3",
    ]
    with pytest.raises(Http404):
        mailbox_message_get(user, 999999)
    with pytest.raises(Http404):
        mailbox_message_get(user, "not-a-number")


def test_it_is_the_django_email_backend_too(mailbox: None, db: None) -> None:
    message = EmailMultiAlternatives(
        "Passwort zurücksetzen",
        "Text body",
        "Conferral <c@example.com>",
        ["Zoë <zoe@example.com>", "b@example.com"],
    )
    message.attach_alternative("<p>HTML body</p>", "text/html")
    assert message.send() == 1

    stored = list(MailboxMessage.objects.order_by("to"))
    assert [m.to for m in stored] == ["b@example.com", "zoe@example.com"]
    assert stored[0].sender == "c@example.com"
    assert stored[0].organization_id is None
    parts = mailbox_message_parts(stored[0])
    assert parts.subject == "Passwort zurücksetzen"
    assert parts.html.strip() == "<p>HTML body</p>"
    assert parts.text.strip() == "Text body"
    assert stored[0].message_id == parts.message_id != ""
