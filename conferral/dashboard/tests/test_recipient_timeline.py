"""A recipient's timeline a page at a time, oldest first, with the copy buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from conferral.certificates.event_details import CredentialVerified
from conferral.certificates.events import event_record
from conferral.certificates.models import Recipient
from conferral.dashboard.recipient import EVENTS_PER_PAGE
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url


def test_it_pages_the_timeline(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    start = timezone.now() - dt.timedelta(days=1)
    for minute in range(EVENTS_PER_PAGE + 3):
        event_record(
            recipient=ada, detail=CredentialVerified(), at=start + dt.timedelta(minutes=minute)
        )
    url = recipient_action_url("recipient", ada)
    html = page_text(user_client.get(url))
    assert html.count("<time datetime=") == EVENTS_PER_PAGE
    assert "Page 1 of 2" in html
    assert 'data-copy="recipient-link"' in html
    assert 'data-copy="recipient-token"' in html
    assert "dashboard/recipients.js" in html
    html = page_text(user_client.get(url, {"page": 2}))
    assert "Page 2 of 2" in html
    assert html.count("Credential verified") == 3
