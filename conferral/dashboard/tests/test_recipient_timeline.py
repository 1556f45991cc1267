"""A recipient's timeline a page at a time: the latest events first shown, oldest first
within a page, earlier and later pages by key, with the copy buttons."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from conferral.certificates.event_details import CredentialRevoked, CredentialViewed
from conferral.certificates.events import event_record, events_insert
from conferral.certificates.models import Channel, Event, Recipient
from conferral.dashboard.recipient import EVENTS_PER_PAGE
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url

STEP = re.compile(r"Revoked by the issuer: step (\d+)")
LINK = re.compile(r'href="\?(before|after)=(\d+)" rel="(prev|next)"')


def _steps(recipient: Recipient, count: int, *, same_moment: bool = False) -> None:
    """`count` events numbered 1… in the order they happened (all at one moment with
    `same_moment`, so only their ids order them)."""
    start = timezone.now() - dt.timedelta(days=1)
    for number in range(1, count + 1):
        at = start if same_moment else start + dt.timedelta(minutes=number)
        event_record(recipient=recipient, detail=CredentialRevoked(reason=f"step {number}"), at=at)


def _shown(html: str) -> list[int]:
    return [int(number) for number in STEP.findall(html)]


def _links(html: str) -> dict[str, str]:
    return {rel: f"?{name}={key}" for name, key, rel in LINK.findall(html)}


def test_it_shows_the_latest_page_first_and_pages_back(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    _steps(ada, EVENTS_PER_PAGE + 3)
    url = recipient_action_url("recipient", ada)

    html = page_text(user_client.get(url))
    assert _shown(html) == list(range(4, EVENTS_PER_PAGE + 4))
    assert f"Events 4 to {EVENTS_PER_PAGE + 3} of {EVENTS_PER_PAGE + 3}" in html
    assert 'data-copy="recipient-link"' in html
    assert 'data-copy="recipient-token"' in html
    assert "dashboard/recipients.js" in html
    assert set(_links(html)) == {"prev"}

    html = page_text(user_client.get(url + _links(html)["prev"]))
    assert _shown(html) == [1, 2, 3]
    assert f"Events 1 to 3 of {EVENTS_PER_PAGE + 3}" in html
    assert set(_links(html)) == {"next"}

    html = page_text(user_client.get(url + _links(html)["next"]))
    assert _shown(html) == list(range(4, EVENTS_PER_PAGE + 4))
    assert f"Events 4 to {EVENTS_PER_PAGE + 3} of {EVENTS_PER_PAGE + 3}" in html
    assert set(_links(html)) == {"prev"}


def test_it_pages_events_of_one_moment_by_their_order(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    total = 2 * EVENTS_PER_PAGE + 7
    _steps(ada, total, same_moment=True)
    url = recipient_action_url("recipient", ada)

    pages = []
    html = page_text(user_client.get(url))
    pages.append(_shown(html))
    while "prev" in _links(html):
        html = page_text(user_client.get(url + _links(html)["prev"]))
        pages.append(_shown(html))

    assert [len(page) for page in pages] == [EVENTS_PER_PAGE, EVENTS_PER_PAGE, 7]
    assert [number for page in reversed(pages) for number in page] == list(range(1, total + 1))


def test_it_shows_no_page_links_for_a_short_timeline(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    _steps(ada, 3)

    html = page_text(user_client.get(recipient_action_url("recipient", ada)))

    assert _shown(html) == [1, 2, 3]
    assert _links(html) == {}
    assert "Events 1 to 3" not in html


def test_it_answers_404_for_a_key_of_no_event_of_its_own_and_clamps_at_the_ends(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    _steps(ada, 2)
    _steps(bob, 1)
    bobs = Event.objects.get(recipient=bob).pk
    url = recipient_action_url("recipient", ada)

    first, last = Event.objects.filter(recipient=ada).order_by("at", "id")
    assert _shown(page_text(user_client.get(url, {"before": first.pk}))) == [1, 2]
    assert _shown(page_text(user_client.get(url, {"after": last.pk}))) == [1, 2]
    for query in ("junk", "-1", "1e3", "9" * 30, str(bobs), ""):
        assert user_client.get(url, {"before": query}).status_code == 404, query
        assert user_client.get(url, {"after": query}).status_code == 404, query
    assert _shown(page_text(user_client.get(url))) == [1, 2]


def test_it_shows_how_often_a_folded_view_happened(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    at = timezone.now() - dt.timedelta(hours=2)
    detail = CredentialViewed(count=14, last_at=at + dt.timedelta(minutes=7))
    events_insert(recipient_ids=[ada.pk], certificate_id=ada.certificate_id, detail=detail, at=at)
    Event.objects.filter(recipient=ada).update(channel=Channel.EMAIL)
    url = recipient_action_url("recipient", ada)

    html = page_text(user_client.get(url))
    assert "It happened 14 times between" in html
    assert "from the same network address." in html

    german = user_client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert german.status_code == 200
    assert "14" in page_text(german)
    assert "%(" not in page_text(german)
