"""Looking at a message in the local mailbox records no open and no click: the shown
HTML and text hold no open pixel and no tracked link (the button leads straight to the
recipient's page), the frame's CSP loads no remote image, and loading everything the
frame shows and following every link in it, as a browser and its user would, writes
no open and no click."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.certificates.links import recipient_url
from conferral.certificates.models import Certificate, Channel, Event, EventType, Recipient
from conferral.dashboard.mailbox import parts_untracked
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.selectors import mailbox_message_parts
from conferral.delivery.services import certificate_send
from conferral.tracking.links import click_url, open_pixel_url

URLS = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def test_it_records_no_open_and_no_click_when_a_message_is_viewed(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    settings: Settings,
) -> None:
    settings.EMAIL_URL = "mailbox:"
    (ada,) = add_recipients(("Ada Lovelace", "ada@example.com"))
    certificate_send(certificate=certificate)
    deliver_due()
    message = MailboxMessage.objects.get()
    stored = mailbox_message_parts(message)
    assert open_pixel_url(ada) in stored.html
    assert click_url(ada) in stored.html
    events_before = Event.objects.order_by("pk").values_list("pk", flat=True).last() or 0

    listing = user_client.get(reverse("dashboard:mailbox"))
    page = user_client.get(reverse("dashboard:mailbox_message", kwargs={"message_id": message.pk}))
    frame = user_client.get(
        reverse("dashboard:mailbox_message_html", kwargs={"message_id": message.pk})
    )

    assert listing.status_code == page.status_code == frame.status_code == 200
    shown = frame.content.decode() + page.content.decode()
    assert "/t/o/" not in shown
    assert "/t/c/" not in shown
    assert open_pixel_url(ada) not in shown
    assert click_url(ada) not in shown
    assert recipient_url(ada, Channel.ADMIN) in frame.content.decode()
    assert recipient_url(ada, Channel.ADMIN) in page.content.decode()
    policy = frame["Content-Security-Policy"]
    assert "img-src data:;" in policy
    assert "default-src 'none'" in policy
    base = urlsplit(django_settings.BASE_URL).netloc
    for url in URLS.findall(frame.content.decode()):
        parts = urlsplit(url.replace("&amp;", "&"))
        if parts.netloc in ("", base) and parts.path:
            loaded = user_client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            assert loaded.status_code == 200, url

    tracked = Event.objects.filter(
        recipient=ada, type__in=[EventType.EMAIL_OPENED, EventType.EMAIL_CLICKED]
    )
    assert not tracked.exists()
    assert not Event.objects.filter(pk__gt=events_before, type__startswith="email.").exists()


def test_it_neutralises_a_forged_tracking_link(
    user_client: Client, certificate: Certificate, settings: Settings
) -> None:
    settings.EMAIL_URL = "mailbox:"
    forged = f"{django_settings.BASE_URL}/t/c/AAAAAAAAAAAAAAAA/forged"
    pixel = '<img src="http://elsewhere.example/t/o/AAAAAAAAAAAAAAAA/x.gif" alt="">'
    parts = mailbox_message_parts(
        MailboxMessage(
            raw=b"Content-Type: text/html\r\n\r\n" + f'<a href="{forged}">x</a>{pixel}'.encode()
        )
    )

    shown = parts_untracked(parts)

    assert forged not in shown.html
    assert "/t/o/" not in shown.html
    assert 'href="#"' in shown.html
