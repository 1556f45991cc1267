from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from conferral.certificates.models import Recipient
from conferral.certificates.status import EmailStatus


@pytest.fixture
def delivered(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    """A recipient whose email was accepted by their mail server an hour ago."""
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Recipient.objects.filter(pk=recipient.pk).update(
        email_status=EmailStatus.DELIVERED,
        first_sent_at=an_hour_ago,
        delivered_at=an_hour_ago,
        sends=1,
    )
    recipient.refresh_from_db()
    return recipient
