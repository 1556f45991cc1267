"""Repeated views, verifications and machine opens from one client are counted into
one event; the first still sets what it always set, and nothing else is merged."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import get_resolver
from django.utils import timezone, translation
from freezegun import freeze_time

from conferral.certificates.credentials import credential_claim
from conferral.certificates.links import recipient_path, verify_url
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.tracking.explain import event_explain
from conferral.tracking.links import open_pixel_url

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CURL = "curl/8.5.0"
HOME = "198.51.100.7"
OFFICE = "203.0.113.40"


@pytest.fixture(autouse=True)
def _routes_built() -> None:
    """Build the URL routes (and the API's schemas with them) before a test freezes the
    clock: a frozen clock swaps the datetime classes the schemas are made from."""
    assert get_resolver().url_patterns


def _views(recipient: Recipient, **filters: object) -> list[Event]:
    return list(
        Event.objects.filter(
            recipient=recipient, type=EventType.CREDENTIAL_VIEWED, **filters
        ).order_by("at", "id")
    )


def _view(
    client: Client, recipient: Recipient, user_agent: str = FIREFOX, address: str = HOME
) -> int:
    response = client.get(
        recipient_path(recipient, Channel.EMAIL), HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address
    )
    return response.status_code


def test_it_counts_a_hundred_views_from_one_client_into_one_event(
    client: Client, delivered: Recipient
) -> None:
    with freeze_time("2030-03-04 10:02:00") as clock:
        first = timezone.now()
        for _ in range(100):
            assert _view(client, delivered) == 200
            clock.tick(dt.timedelta(seconds=4))
        last = timezone.now() - dt.timedelta(seconds=4)

    [event] = _views(delivered)
    assert event.detail["count"] == 100
    assert event.at == first
    assert event.detail["last_at"] == last.isoformat()
    delivered.refresh_from_db()
    assert delivered.viewed_at == first


def test_it_gives_another_client_its_own_event(client: Client, delivered: Recipient) -> None:
    for _ in range(3):
        _view(client, delivered, address=HOME)
    for _ in range(2):
        _view(client, delivered, address=OFFICE)

    counts = sorted(event.detail.get("count", 1) for event in _views(delivered))
    assert counts == [2, 3]


def test_it_starts_a_new_event_after_the_window(client: Client, delivered: Recipient) -> None:
    with override_settings(EVENT_FOLD_SECONDS=600), freeze_time("2030-03-04 10:00:00") as clock:
        _view(client, delivered)
        clock.tick(dt.timedelta(seconds=599))
        _view(client, delivered)
        clock.tick(dt.timedelta(seconds=2))
        _view(client, delivered)

    first, second = _views(delivered)
    assert first.detail["count"] == 2
    assert "count" not in second.detail
    assert second.at == first.at + dt.timedelta(seconds=601)


def test_it_writes_every_view_when_folding_is_off(client: Client, delivered: Recipient) -> None:
    with override_settings(EVENT_FOLD_SECONDS=0):
        for _ in range(3):
            _view(client, delivered)

    assert [event.detail for event in _views(delivered)] == [{}, {}, {}]


def test_it_never_folds_a_bots_views_into_a_persons(client: Client, delivered: Recipient) -> None:
    _view(client, delivered, FIREFOX)
    for _ in range(3):
        _view(client, delivered, CURL)
    _view(client, delivered, FIREFOX)

    [person] = _views(delivered, machine=False)
    [bot] = _views(delivered, machine=True)
    assert person.detail["count"] == 2
    assert bot.detail["count"] == 3
    assert bot.detail["machine_reason"] == "bot"


def test_it_keeps_each_channel_apart(client: Client, delivered: Recipient) -> None:
    for channel in (Channel.EMAIL, Channel.ADMIN, Channel.EMAIL):
        client.get(recipient_path(delivered, channel), HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=HOME)

    assert {event.channel: event.detail.get("count", 1) for event in _views(delivered)} == {
        Channel.EMAIL: 2,
        Channel.ADMIN: 1,
    }


def test_it_counts_verifications_from_one_client_into_one_event(
    client: Client, delivered: Recipient
) -> None:
    credential_claim(recipient=delivered, channel=Channel.EMAIL)
    path = urlsplit(verify_url(delivered)).path
    for _ in range(5):
        assert client.get(path, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=OFFICE).status_code == 200
    for _ in range(2):
        client.get(path, HTTP_USER_AGENT=CURL, REMOTE_ADDR=OFFICE)
    client.get(path, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=HOME)

    verified = Event.objects.filter(recipient=delivered, type=EventType.CREDENTIAL_VERIFIED)
    assert sorted((e.machine, e.detail.get("count", 1)) for e in verified) == [
        (False, 1),
        (False, 5),
        (True, 2),
    ]


def test_it_counts_a_proxys_repeated_opens_but_keeps_each_persons(
    client: Client, delivered: Recipient
) -> None:
    pixel = urlsplit(open_pixel_url(delivered)).path
    for _ in range(4):
        client.get(pixel, HTTP_USER_AGENT="Mozilla/5.0", REMOTE_ADDR="17.58.101.7")
    for _ in range(2):
        client.get(pixel, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=HOME)

    opens = Event.objects.filter(recipient=delivered, type=EventType.EMAIL_OPENED)
    assert sorted((e.machine, e.detail.get("count", 1)) for e in opens) == [
        (False, 1),
        (False, 1),
        (True, 4),
    ]
    delivered.refresh_from_db()
    assert delivered.machine_opened_at is not None
    assert delivered.opened_at is not None


def test_it_tells_how_often_and_when_in_the_timeline(client: Client, delivered: Recipient) -> None:
    with freeze_time("2030-03-04 10:02:00") as clock:
        for _ in range(14):
            _view(client, delivered)
            clock.tick(dt.timedelta(seconds=30))
    [event] = _views(delivered)

    with translation.override("en"):
        sentence = event_explain(event)
    assert sentence == (
        "Recipient page viewed through the link in our email. It happened 14 times "
        "between 10:02 and 10:08 from the same network address."
    )
    with translation.override("de"):
        german = event_explain(event)
    assert "14" in german
    assert "%(" not in german


def test_it_says_nothing_more_of_a_single_view(client: Client, delivered: Recipient) -> None:
    _view(client, delivered)
    [event] = _views(delivered)

    assert event_explain(event) == "Recipient page viewed through the link in our email."
