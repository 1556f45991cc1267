"""Views from one client that race each other are all counted: the fold's
compare-and-set may leave an extra event, never a lost view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.tracking.tests.test_concurrent_engagement import WORKERS, _together

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
VIEWS_EACH = 10


@pytest.mark.django_db(transaction=True)
def test_it_counts_every_view_when_views_race(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    path = recipient_path(recipient, Channel.EMAIL)

    def views() -> list[int]:
        client = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="198.51.100.7")
        return [client.get(path).status_code for _ in range(VIEWS_EACH)]

    statuses = _together([views] * WORKERS)

    assert statuses == [[200] * VIEWS_EACH] * WORKERS
    events = Event.objects.filter(recipient=recipient, type=EventType.CREDENTIAL_VIEWED)
    assert sum(event.detail.get("count", 1) for event in events) == WORKERS * VIEWS_EACH
    assert 1 <= events.count() < VIEWS_EACH
