"""An organization's tracking switches, in the messages really sent (through a real SMTP
server on 127.0.0.1): without open tracking there is no pixel, without click tracking
the links go straight to the recipient's page (still marked as the email's) and there
is no honeypot; a switch changed between two sends applies to the second."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.links import recipient_url
from conferral.certificates.models import Certificate, Channel, Event, EventType, Recipient
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send, recipient_resend
from conferral.testing.smtp import SmtpServer
from conferral.tracking.explain import event_explain
from conferral.tracking.links import Link, click_url, honeypot_url, open_pixel_url
from conferral.tracking.summary import recipient_summary


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    assert text is not None
    assert page is not None
    return str(text.get_content()), str(page.get_content())


def _sent(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    *,
    opens: bool,
    clicks: bool,
) -> tuple[Recipient, str, str]:
    Organization.objects.filter(pk=certificate.organization_id).update(
        track_opens=opens, track_clicks=clicks
    )
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    certificate_send(certificate=certificate)
    assert deliver_due().delivered == 1
    [received] = smtp.messages
    text, page = _parts(received.message)
    return ada, text, page


def test_it_sends_neither_pixel_nor_tracked_link_nor_honeypot_with_tracking_off(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    client: Client,
) -> None:
    ada, text, page = _sent(smtp, certificate, add_recipients, opens=False, clicks=False)

    assert "/t/" not in text
    assert "/t/" not in page
    assert "<img" not in page
    assert "aria-hidden" not in page
    page_url = recipient_url(ada, Channel.EMAIL)
    assert page.count(f'href="{page_url.replace("&", "&amp;")}"') == 2
    assert page_url in text
    # The link is the email's all the same: a claim through it counts as by email.
    response = client.get(urlsplit(page_url).path + "?" + urlsplit(page_url).query)
    assert response.status_code == 200
    viewed = Event.objects.get(recipient=ada, type=EventType.CREDENTIAL_VIEWED)
    assert viewed.channel == Channel.EMAIL
    ada.refresh_from_db()
    assert ada.clicked_at is None
    assert ada.machine_clicked_at is None
    assert not Event.objects.filter(type=EventType.EMAIL_CLICKED).exists()
    delivered = Event.objects.get(recipient=ada, type=EventType.EMAIL_DELIVERED)
    assert event_explain(delivered).endswith(" Opens and clicks are not tracked.")


@pytest.mark.parametrize(("opens", "clicks"), [(False, True), (True, False)])
def test_it_leaves_out_only_what_is_switched_off(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    opens: bool,
    clicks: bool,
) -> None:
    ada, text, page = _sent(smtp, certificate, add_recipients, opens=opens, clicks=clicks)

    assert (f'<img src="{open_pixel_url(ada)}"' in page) is opens
    assert (f'href="{click_url(ada, Link.BUTTON)}"' in page) is clicks
    assert (f'href="{click_url(ada, Link.ADDRESS)}"' in page) is clicks
    assert (click_url(ada, Link.TEXT) in text) is clicks
    assert (honeypot_url(ada) in page) is clicks
    assert (recipient_url(ada, Channel.EMAIL) in text) is not clicks
    delivered = Event.objects.get(recipient=ada, type=EventType.EMAIL_DELIVERED)
    untracked = "Clicks are not tracked." if opens else "Opens are not tracked."
    assert event_explain(delivered).endswith(f"). {untracked}")


def test_it_applies_a_changed_switch_to_the_next_send(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada, _text, first = _sent(smtp, certificate, add_recipients, opens=True, clicks=True)
    Organization.objects.filter(pk=certificate.organization_id).update(
        track_opens=False, track_clicks=False
    )

    recipient_resend(recipient=ada)
    assert deliver_due().delivered == 1

    _text, again = _parts(smtp.messages[1].message)
    assert open_pixel_url(ada) in first
    assert honeypot_url(ada) in first
    assert "/t/" not in again
    assert "<img" not in again


@pytest.mark.parametrize(
    ("opens", "clicks", "said"),
    [
        (False, False, "Opens and clicks are not tracked for this organization."),
        (False, True, "Opens are not tracked for this organization."),
        (True, False, "Clicks are not tracked for this organization."),
    ],
)
def test_it_says_a_claim_through_the_email_recorded_no_open_because_none_is_tracked(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    client: Client,
    opens: bool,
    clicks: bool,
    said: str,
) -> None:
    ada, _text, _page = _sent(smtp, certificate, add_recipients, opens=opens, clicks=clicks)
    ada.refresh_from_db()
    if not opens:
        assert recipient_summary(ada).startswith("The email was delivered at ")
        assert "opens are not tracked." in recipient_summary(ada)

    page = urlsplit(recipient_url(ada, Channel.EMAIL))
    assert client.post(page.path, dict(parse_qsl(page.query))).status_code == 302

    ada.refresh_from_db()
    assert ada.claim_channel == Channel.EMAIL
    summary = recipient_summary(ada)
    assert said in summary
    assert "blocks images" not in summary
