"""The hidden honeypot link, through the real endpoints: a hit on it is a machine's, and
so are that client's opens and clicks of the message around it (conferral.tracking.
sequence), the earlier ones changed in place and the recipient's columns recomputed;
a forged honeypot URL records nothing; no person can see or reach the link."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.core import signing
from conferral.delivery.message import MessageTemplate
from conferral.testing.timeline import timeline_events, timeline_sentences
from conferral.tracking.links import Link, click_url, honeypot_url, open_pixel_url
from conferral.tracking.machine import MachineReason

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SCANNER = "198.51.100.20"  # a scanner that passes for a browser
PERSON = "203.0.113.7"
HONEYPOT = MachineReason.HONEYPOT.value
TRAP = {"machine_reason": HONEYPOT, "honeypot": True}  # the honeypot's own hit


@pytest.fixture(autouse=True)
def urls_loaded() -> None:
    """The URLs are loaded before a test stops the clock: the API's schemas cannot be
    built from freezegun's stand-in dates."""
    assert get_resolver().url_patterns


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _delivered(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    with freeze_time("2026-03-02 10:00:00"):
        Recipient.objects.filter(pk=recipient.pk).update(
            email_status=EmailStatus.DELIVERED,
            first_sent_at=timezone.now(),
            delivered_at=timezone.now(),
            sends=1,
        )
    recipient.refresh_from_db()
    return recipient


def _get(client: Client, url: str, when: str, address: str = SCANNER) -> int:
    path = urlsplit(url).path
    with freeze_time(when):
        response = client.get(path, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=address)
    return response.status_code


def test_it_turns_the_clients_earlier_open_and_click_machine_made_and_flags_a_later_one(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    assert _get(client, open_pixel_url(recipient), "2026-03-02 10:30:00") == 200
    assert _get(client, click_url(recipient, Link.BUTTON), "2026-03-02 10:31:00") == 302
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED  # a person, so far

    trapped = _get(client, honeypot_url(recipient), "2026-03-02 10:32:00")
    _get(client, click_url(recipient, Link.TEXT), "2026-03-02 10:33:00")
    _get(client, open_pixel_url(recipient), "2026-03-02 10:34:00")

    assert trapped == 204
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_opened_at == _at("2026-03-02 10:30:00")
    assert recipient.machine_clicked_at == _at("2026-03-02 10:31:00")
    # The later open is a machine's on arrival, so it folds into the client's first
    # open, now a machine's too (event_fold's rule).
    folded = {"machine_reason": HONEYPOT, "count": 2, "last_at": "2026-03-02T10:34:00+00:00"}
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, True, folded),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": HONEYPOT, "link": 1}),
        (EventType.EMAIL_CLICKED, True, TRAP),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": HONEYPOT, "link": 3}),
    ]
    opened, clicked, trap, _later = timeline_sentences(recipient)
    assert opened.startswith("Open recorded by a client that also followed a hidden link")
    assert clicked.startswith("Link followed by a client that also followed a hidden link")
    assert trap.startswith("The email's hidden link was followed: no person can see or reach")


def test_it_takes_the_open_a_trapped_click_inferred_along(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    _get(client, click_url(recipient, Link.ADDRESS), "2026-03-02 10:31:00")

    _get(client, honeypot_url(recipient), "2026-03-02 10:31:01")

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    assert recipient.clicked_at is None
    assert recipient.machine_opened_at is None  # the pixel was never fetched
    assert recipient.machine_clicked_at == _at("2026-03-02 10:31:00")
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, True, {"inferred": True, "machine_reason": HONEYPOT}),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": HONEYPOT, "link": 2}),
        (EventType.EMAIL_CLICKED, True, TRAP),
    ]


def test_it_leaves_another_clients_hits_and_the_clients_own_outside_the_window_a_persons(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    _get(client, open_pixel_url(recipient), "2026-03-02 10:30:00", address=PERSON)
    _get(client, open_pixel_url(recipient), "2026-03-02 11:00:00")

    _get(client, honeypot_url(recipient), "2026-03-02 11:20:00")
    _get(client, click_url(recipient, Link.TEXT), "2026-03-02 11:25:00")
    # Thirteen minutes after the honeypot: a person's again (a hit it caught does not
    # stretch the window).
    _get(client, click_url(recipient, Link.BUTTON), "2026-03-02 11:33:00")

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.CLICKED
    assert recipient.opened_at == _at("2026-03-02 10:30:00")
    assert recipient.clicked_at == _at("2026-03-02 11:33:00")
    assert recipient.machine_opened_at is None
    assert recipient.machine_clicked_at == _at("2026-03-02 11:20:00")
    assert timeline_events(recipient) == [
        (EventType.EMAIL_OPENED, False, {}),
        (EventType.EMAIL_OPENED, False, {}),
        (EventType.EMAIL_CLICKED, True, TRAP),
        (EventType.EMAIL_CLICKED, True, {"machine_reason": HONEYPOT, "link": 3}),
        (EventType.EMAIL_CLICKED, False, {"link": 1}),
    ]


def test_it_records_nothing_for_a_forged_or_borrowed_honeypot_signature(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    recipient = _delivered(add_recipients)
    public_id = recipient.public_id

    forged = client.get(f"/t/h/{public_id}/AAAAAAAAAAAAAAAA", HTTP_USER_AGENT=FIREFOX)
    borrowed = client.get(
        f"/t/h/{public_id}/{signing.sign('click:1', public_id)}", HTTP_USER_AGENT=FIREFOX
    )
    mangled = client.get(f"/t/h/{public_id}%00/x", HTTP_USER_AGENT=FIREFOX)

    assert forged.status_code == borrowed.status_code == mangled.status_code == 404
    assert "This link is not valid" in forged.content.decode()
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.machine_clicked_at is None
    assert not Event.objects.exists()


def test_it_hides_the_honeypot_from_every_person(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    certificate = Certificate.objects.select_related("organization").get(pk=certificate.pk)
    message = MessageTemplate(certificate).build(ada)

    anchors = re.findall(r"<a\b([^>]*)>(.*?)</a>", message.html, re.DOTALL)
    honeypots = [(attrs, inside) for attrs, inside in anchors if honeypot_url(ada) in attrs]
    [(attrs, inside)] = honeypots
    assert inside == ""  # nothing to show even where display:none is ignored
    style = re.search(r'style="([^"]*)"', attrs)
    assert style is not None
    assert {"display:none", "mso-hide:all"} <= set(style[1].rstrip(";").split(";"))
    assert 'aria-hidden="true"' in attrs
    assert 'tabindex="-1"' in attrs
    # The last link of the message: nothing a reader reaches comes after it.
    assert anchors[-1] == (attrs, inside)
    assert honeypot_url(ada) not in message.text
    assert message.html.count(honeypot_url(ada)) == 1
