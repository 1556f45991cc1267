"""The sequence rules through the real click endpoints (conferral.tracking.sequence): a
client that follows every link of the message within a second, a click before any
open within 30 seconds of delivery; and what stays a person's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.core import signing
from conferral.testing.timeline import timeline_events, timeline_sentences
from conferral.tracking.links import Link, click_url, open_pixel_url
from conferral.tracking.machine import MachineReason

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
DELIVERY = "2026-03-02 10:00:00"


@pytest.fixture(autouse=True)
def urls_loaded() -> None:
    """The URLs are loaded before a test stops the clock: the API's schemas cannot be
    built from freezegun's stand-in dates."""
    assert get_resolver().url_patterns


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _path(url: str) -> str:
    return urlsplit(url).path


def _delivered(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    with freeze_time(DELIVERY):
        Recipient.objects.filter(pk=recipient.pk).update(
            email_status=EmailStatus.DELIVERED,
            first_sent_at=timezone.now(),
            delivered_at=timezone.now(),
            sends=1,
        )
    recipient.refresh_from_db()
    return recipient


def _click(client: Client, recipient: Recipient, link: Link, when: str) -> int:
    path = _path(click_url(recipient, link))
    with freeze_time(when):
        response = client.get(path, HTTP_USER_AGENT=FIREFOX)
    return response.status_code


def test_it_takes_every_link_followed_within_a_second_for_a_scanner(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)

    assert _click(client, recipient, Link.BUTTON, "2026-03-02 11:00:00.100") == 302
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED  # one link: a person, so far
    assert _click(client, recipient, Link.ADDRESS, "2026-03-02 11:00:00.500") == 302
    assert _click(client, recipient, Link.TEXT, "2026-03-02 11:00:00.900") == 302

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_clicked_at == _at("2026-03-02 11:00:00.100")
    assert recipient.machine_opened_at is None  # nothing fetched the pixel
    every = MachineReason.EVERY_LINK.value
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, True, {"inferred": True, "machine_reason": every}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": every, "link": 1}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": every, "link": 2}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": every, "link": 3}),
    ]
    inferred, *clicks = timeline_sentences(recipient)
    assert inferred.startswith("Open inferred from a click that turned out to be an automated")
    assert (
        clicks
        == [
            "Every link of the email was followed within the same second: most "
            "likely by a link scanner, not by a person."
        ]
        * 3
    )


def test_it_takes_the_pixel_a_scanner_loads_as_it_follows_every_link_for_the_scanners(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    with freeze_time("2026-03-02 11:00:00.000"):
        assert client.get(_path(open_pixel_url(recipient)), HTTP_USER_AGENT=FIREFOX).status_code
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.OPENED  # a person's open, so far

    for link, when in (
        (Link.BUTTON, "2026-03-02 11:00:00.050"),
        (Link.ADDRESS, "2026-03-02 11:00:00.300"),
        (Link.TEXT, "2026-03-02 11:00:00.600"),
    ):
        assert _click(client, recipient, link, when) == 302

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_opened_at == _at("2026-03-02 11:00:00")
    assert recipient.machine_clicked_at == _at("2026-03-02 11:00:00.050")
    assert {(kind, machine) for kind, machine, _detail in timeline_events(recipient)} == {
        (EventType.EMAIL_OPENED, True),
        (EventType.EMAIL_CLICKED, True),
    }


def test_it_leaves_a_person_who_follows_two_of_the_links(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)

    _click(client, recipient, Link.BUTTON, "2026-03-02 11:00:00.100")
    _click(client, recipient, Link.ADDRESS, "2026-03-02 11:00:00.500")
    # The third link, but more than a second after the first.
    _click(client, recipient, Link.TEXT, "2026-03-02 11:00:01.200")

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED
    assert recipient.clicked_at == _at("2026-03-02 11:00:00.100")
    assert recipient.opened_at == _at("2026-03-02 11:00:00.100")
    assert recipient.machine_clicked_at is None
    assert [machine for _type, machine, _detail in timeline_events(recipient)] == [False] * 4


def test_it_counts_a_person_who_clicks_the_button_once(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)

    assert _click(client, recipient, Link.BUTTON, "2026-03-02 10:20:00") == 302

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED
    assert recipient.clicked_at == recipient.opened_at == _at("2026-03-02 10:20:00")
    assert recipient.machine_clicked_at is None
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, False, {"inferred": True}),
        (EventType.EMAIL_CLICKED, False, {"link": 1}),
    ]


def test_it_keeps_a_click_with_images_blocked_a_minute_after_delivery_a_persons(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)

    _click(client, recipient, Link.TEXT, "2026-03-02 10:01:00")

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED
    assert recipient.opened_at == recipient.clicked_at == _at("2026-03-02 10:01:00")
    assert recipient.machine_clicked_at is None
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, False, {"inferred": True}),
        (EventType.EMAIL_CLICKED, False, {"link": 3}),
    ]


def test_it_takes_a_click_five_seconds_after_delivery_before_any_open_for_a_scanner(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)

    _click(client, recipient, Link.BUTTON, "2026-03-02 10:00:05")

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_clicked_at == _at("2026-03-02 10:00:05")
    # Too soon as well, but the order says more: click before open wins.
    assert timeline_events(recipient) == [
        (
            EventType.EMAIL_CLICKED,
            True,
            {"machine_reason": MachineReason.CLICK_BEFORE_OPEN.value, "link": 1},
        ),
    ]
    assert timeline_sentences(recipient) == [
        "Link followed within 30 seconds of delivery, before the email was opened: most "
        "likely by a link scanner, not by a person."
    ]


def test_it_takes_a_click_twenty_seconds_after_delivery_for_a_scanner_unless_an_open_came_first(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    scanned = _delivered(add_recipients)
    (read,) = add_recipients(("Bob", "bob@example.org"))
    Recipient.objects.filter(pk=read.pk).update(
        email_status=EmailStatus.DELIVERED, delivered_at=scanned.delivered_at, sends=1
    )
    read.refresh_from_db()

    _click(client, scanned, Link.BUTTON, "2026-03-02 10:00:20")
    with freeze_time("2026-03-02 10:00:15"):
        client.get(_path(open_pixel_url(read)), HTTP_USER_AGENT=FIREFOX)
    _click(client, read, Link.BUTTON, "2026-03-02 10:00:20")

    scanned.refresh_from_db()
    read.refresh_from_db()
    assert scanned.email_status == EmailStatus.DELIVERED
    assert scanned.machine_clicked_at == _at("2026-03-02 10:00:20")
    assert timeline_events(scanned)[0][2]["machine_reason"] == MachineReason.CLICK_BEFORE_OPEN
    assert read.email_status == EmailStatus.CLICKED
    assert read.clicked_at == _at("2026-03-02 10:00:20")
    assert read.machine_clicked_at is None
    assert [machine for _type, machine, _detail in timeline_events(read)] == [False, False]


def test_it_still_follows_the_one_link_of_a_message_sent_before_links_were_numbered(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    legacy = f"/t/c/{recipient.public_id}/{signing.sign('click', recipient.public_id)}"

    with freeze_time("2026-03-02 10:20:00"):
        response = client.get(legacy, HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, False, {"inferred": True}),
        (EventType.EMAIL_CLICKED, False, {}),
    ]


def test_it_refuses_a_link_number_the_message_has_not_or_another_links_signature(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    public_id = recipient.public_id
    button = signing.sign("click:1", public_id)

    swapped = client.get(f"/t/c/{public_id}/2/{button}", HTTP_USER_AGENT=FIREFOX)
    unknown = client.get(
        f"/t/c/{public_id}/9/{signing.sign('click:9', public_id)}", HTTP_USER_AGENT=FIREFOX
    )
    legacy_as_button = client.get(
        f"/t/c/{public_id}/1/{signing.sign('click', public_id)}", HTTP_USER_AGENT=FIREFOX
    )

    assert swapped.status_code == unknown.status_code == legacy_as_button.status_code == 404
    assert "Location" not in swapped
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.machine_clicked_at is None
    assert not Event.objects.exists()


def test_it_gives_the_earlier_clicks_the_every_link_reason_when_the_last_is_machine_made(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    _click(client, recipient, Link.BUTTON, "2026-03-02 11:00:00.100")
    _click(client, recipient, Link.ADDRESS, "2026-03-02 11:00:00.200")
    path = _path(click_url(recipient, Link.TEXT))
    with freeze_time("2026-03-02 11:00:00.300"):
        client.head(path, HTTP_USER_AGENT=FIREFOX)

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_clicked_at == _at("2026-03-02 11:00:00.100")
    every = MachineReason.EVERY_LINK.value
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, True, {"inferred": True, "machine_reason": every}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": every, "link": 1}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": every, "link": 2}),
        (
            EventType.EMAIL_CLICKED,
            True,
            {"machine_reason": MachineReason.HEAD_REQUEST.value, "link": 3},
        ),
    ]
