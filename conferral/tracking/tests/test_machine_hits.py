"""Machine-made opens and clicks are recorded, flagged with a reason, and never count
as a person opening or clicking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.tracking.explain import event_explain
from conferral.tracking.links import click_url, open_pixel_url
from conferral.tracking.machine import MachineReason

IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.mark.parametrize(
    ("user_agent", "address", "reason"),
    [
        ("Mozilla/5.0", "17.58.101.7", MachineReason.APPLE_PRIVACY),
        ("Mozilla/5.0", "2a01:b740::17", MachineReason.APPLE_PRIVACY),
        ("Mozilla/5.0", "203.0.113.9", MachineReason.IMAGE_PROXY),
        ("", "203.0.113.9", MachineReason.NO_USER_AGENT),
        ("python-requests/2.32.3", "203.0.113.9", MachineReason.BOT),
        ("curl/8.5.0", "203.0.113.9", MachineReason.BOT),
        (FIREFOX, "40.107.22.61", MachineReason.LINK_SCANNER),
        (FIREFOX, "2a01:111:f400::1c", MachineReason.LINK_SCANNER),
        (
            "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) "
            "BingPreview/1.0b",
            "203.0.113.9",
            MachineReason.LINK_PREVIEW,
        ),
    ],
)
def test_it_flags_machine_opens_and_keeps_them_apart(
    client: Client, delivered: Recipient, user_agent: str, address: str, reason: str
) -> None:
    response = client.get(
        _path(open_pixel_url(delivered)), HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address
    )

    assert response.status_code == 200
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.DELIVERED
    assert delivered.opened_at is None
    assert delivered.machine_opened_at is not None
    event = Event.objects.get(recipient=delivered)
    assert event.type == EventType.EMAIL_OPENED
    assert event.machine is True
    assert event.detail["machine_reason"] == reason


@pytest.mark.parametrize(
    ("user_agent", "via", "sentence"),
    [
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
            "GoogleImageProxy)",
            "Google image proxy",
            "Opened through the Google image proxy: it loads the email's images only when "
            "the message is opened.",
        ),
        (
            "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
            "Yahoo Mail proxy",
            "Opened through the Yahoo Mail proxy: it loads the email's images only when "
            "the message is opened.",
        ),
    ],
)
def test_it_counts_an_open_through_a_webmail_proxy_as_a_person_and_says_so(
    client: Client, delivered: Recipient, user_agent: str, via: str, sentence: str
) -> None:
    # From Google's own addresses, which its crawlers' published ranges may also hold.
    client.get(
        _path(open_pixel_url(delivered)), HTTP_USER_AGENT=user_agent, REMOTE_ADDR="66.249.84.1"
    )

    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.OPENED
    assert delivered.opened_at is not None
    event = Event.objects.get(recipient=delivered)
    assert event.machine is False
    assert event.detail == {"via": via}
    assert event_explain(event) == sentence


def test_it_flags_a_head_request_on_the_pixel(client: Client, delivered: Recipient) -> None:
    client.head(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=FIREFOX)

    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.DELIVERED
    event = Event.objects.get(recipient=delivered)
    assert event.machine is True
    assert event.detail["machine_reason"] == MachineReason.HEAD_REQUEST


def test_it_counts_an_ordinary_mail_app_as_a_person(client: Client, delivered: Recipient) -> None:
    client.get(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=IPHONE_MAIL)

    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.OPENED
    assert Event.objects.get(recipient=delivered).machine is False


@pytest.mark.parametrize(
    ("user_agent", "source"),
    [
        ("Mozilla/5.0 (compatible; Proofpoint URL Defense)", "Proofpoint"),
        ("Mimecast-URL-Protect/1.0", "Mimecast"),
        ("Barracuda Sentinel (EE)", "Barracuda"),
        ("Microsoft Safe Links Scanner", "Microsoft"),
    ],
)
def test_it_flags_link_scanner_clicks_and_still_redirects_home(
    client: Client, delivered: Recipient, user_agent: str, source: str
) -> None:
    response = client.get(_path(click_url(delivered)), HTTP_USER_AGENT=user_agent)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/r/{delivered.token}?via=email.")
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.DELIVERED
    assert delivered.clicked_at is None
    assert delivered.opened_at is None
    event = Event.objects.get(recipient=delivered)
    assert event.type == EventType.EMAIL_CLICKED
    assert event.machine is True
    assert event.detail == {
        "machine_reason": MachineReason.LINK_SCANNER,
        "machine_source": source,
        "link": 1,
    }


def test_it_flags_hits_within_seconds_of_delivery(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (recipient,) = add_recipients(("Alan Turing", "alan@example.org"))
    with freeze_time("2026-03-02 10:00:00"):
        Recipient.objects.filter(pk=recipient.pk).update(
            email_status=EmailStatus.DELIVERED, delivered_at=timezone.now()
        )
    recipient.refresh_from_db()

    with freeze_time("2026-03-02 10:00:03"):
        client.get(_path(click_url(recipient)), HTTP_USER_AGENT=FIREFOX)
    with freeze_time("2026-03-02 10:05:00"):
        client.get(_path(open_pixel_url(recipient)), HTTP_USER_AGENT=FIREFOX)

    soon, later = Event.objects.filter(recipient=recipient).order_by("at", "id")
    assert soon.type == EventType.EMAIL_CLICKED
    assert soon.machine is True
    # No open came before it: the sequence rule says more than the timing alone.
    assert soon.detail["machine_reason"] == MachineReason.CLICK_BEFORE_OPEN
    assert later.type == EventType.EMAIL_OPENED
    assert later.machine is False
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.OPENED
    assert recipient.opened_at == dt.datetime(2026, 3, 2, 10, 5, tzinfo=dt.UTC)


def test_it_judges_only_views_through_the_email_by_the_delivery_time(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (recipient,) = add_recipients(("Alan Turing", "alan@example.org"))
    with freeze_time("2026-03-02 10:00:00"):
        Recipient.objects.filter(pk=recipient.pk).update(
            email_status=EmailStatus.DELIVERED, delivered_at=timezone.now()
        )
    recipient.refresh_from_db()

    with freeze_time("2026-03-02 10:00:02"):
        client.get(recipient_path(recipient, Channel.EMAIL), HTTP_USER_AGENT=FIREFOX)
        client.get(recipient_path(recipient, Channel.ADMIN), HTTP_USER_AGENT=FIREFOX)

    by_email, by_admin = Event.objects.filter(type=EventType.CREDENTIAL_VIEWED).order_by("id")
    assert (by_email.channel, by_email.machine) == (Channel.EMAIL, True)
    assert by_email.detail["machine_reason"] == MachineReason.TOO_SOON
    assert (by_admin.channel, by_admin.machine) == (Channel.ADMIN, False)
