"""Each provider's captured webhook payloads, posted to its real django-anymail webhook
URL, move the recipient the provider's message id names and write the same events as
Conferral's own sending, bounce reports and tracking links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.models import Suppression
from conferral.delivery.services import recipient_resend
from conferral.providers.models import ProviderEvent
from conferral.providers.tests.conftest import payload, post_webhook

pytestmark = pytest.mark.usefixtures("webhook_secrets")

Send = Callable[[str, str], Recipient]

POSTMARK_BOUNCED = ("bounce@example.com", "2706ee8a-737c-4285-b032-ccd317af53ed")
POSTMARK_OPENED = ("recipient@example.com", "f4830d10-9c35-4f0c-bca3-3d9b459821f8")
MAILGUN_OPENED = ("recipient@example.com", "<20180812213139.1.BC6694A917BB7E6A@example.org>")
BREVO = "<201803011158.9876543210@smtp-relay.mailin.fr>"
SES_TRACKED = "7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"


@contextmanager
def an_hour_later() -> Iterator[None]:
    """Opens and clicks within seconds of delivery count as machine-made."""
    with freeze_time(timezone.now() + dt.timedelta(hours=1), tick=True):
        yield


def _events(recipient: Recipient, type: EventType) -> list[Event]:
    return list(Event.objects.filter(recipient=recipient, type=type).order_by("pk"))


# (provider, payload, address, the provider's message id, what the receiving server said)
DELIVERED = [
    (
        "postmark",
        "delivered_event",
        "recipient@example.com",
        "883953f4-6105-42a2-a16a-77a8eac79483",
        "Test delivery webhook details",
    ),
    (
        "mailgun",
        "delivered_event",
        "recipient@example.com",
        "<20180812211713.1.DF5966851B4BAA99@example.org>",
        "OK",
    ),
    (
        "sendgrid",
        "delivered_event",
        "recipient@example.com",
        "4ab185c2-0171-492f-9ce0-27de258efc99",
        "250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp",
    ),
    ("brevo", "delivered_event", "recipient@example.com", BREVO, ""),
    (
        "amazon_ses",
        "delivery_event",
        "jane@example.com",
        "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
        "250 ok: Message 64111812 accepted",
    ),
]


@pytest.mark.parametrize(("esp", "name", "address", "message_id", "reply"), DELIVERED)
def test_it_adds_the_receiving_servers_reply_to_a_delivered_recipient(
    client: Client,
    sent_through_provider: Send,
    esp: str,
    name: str,
    address: str,
    message_id: str,
    reply: str,
) -> None:
    recipient = sent_through_provider(address, message_id)
    assert recipient.email_status == EmailStatus.DELIVERED

    assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    replies = [e.detail["reply"] for e in _events(recipient, EventType.EMAIL_DELIVERED)]
    # The accept-time event, and the provider's only where it says more.
    assert replies[1:] == ([reply] if reply else [])
    assert replies[0].startswith("accepted by ")
    assert ProviderEvent.objects.get().recipient == recipient


def test_it_delivers_a_recipient_still_in_flight_when_the_provider_reports_it(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(
        "jane@example.com", "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000"
    )
    # The issuer resent: queued again while the first message is still on its way.
    recipient_resend(recipient=recipient)
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.SENDING

    response = post_webhook(client, "amazon_ses", payload("amazon_ses", "delivery_event"))

    assert response.status_code == 200
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.next_attempt_at is None
    assert recipient.last_reply == "250 ok: Message 64111812 accepted"


# (provider, payload, address, message id, bounce kind, enhanced status code)
BOUNCED = [
    ("postmark", "bounce_event", *POSTMARK_BOUNCED, BounceKind.HARD, "5.1.1"),
    ("postmark", "blocked_event", *POSTMARK_BOUNCED, BounceKind.BLOCKED, "5.7.1"),
    (
        "mailgun",
        "failed_permanent_event",
        "invalid@example.com",
        "<20180812214658.1.0DF563D0B3597700@example.org>",
        BounceKind.HARD,
        "5.1.1",
    ),
    (
        "mailgun",
        "rejected_event",
        "recipient@example.org",
        "<20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org>",
        BounceKind.BLOCKED,
        "",
    ),
    (
        "sendgrid",
        "bounce_event",
        "noreply@example.com",
        "de212213-bb66-4302-8f3f-20acdb7a104e",
        BounceKind.HARD,
        "5.1.1",
    ),
    (
        "sendgrid",
        "blocked_event",
        "noreply@example.com",
        "de212213-bb66-4302-8f3f-20acdb7a104e",
        BounceKind.BLOCKED,
        "5.7.1",
    ),
    ("brevo", "hard_bounce", "not-a-user@example.com", BREVO, BounceKind.HARD, "5.5.0"),
    ("brevo", "soft_bounce_event", "recipient@no-mx.example.com", BREVO, BounceKind.SOFT, ""),
    ("brevo", "blocked", "recipient@example.com", BREVO, BounceKind.BLOCKED, ""),
    (
        "amazon_ses",
        "bounce_event",
        "jane@example.com",
        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        BounceKind.HARD,
        "5.1.1",
    ),
    ("amazon_ses", "reject_event", "recipient@example.com", SES_TRACKED, BounceKind.BLOCKED, ""),
]


@pytest.mark.parametrize(("esp", "name", "address", "message_id", "kind", "status"), BOUNCED)
def test_it_records_a_providers_bounce_as_a_late_bounce_of_its_kind(
    client: Client,
    sent_through_provider: Send,
    esp: str,
    name: str,
    address: str,
    message_id: str,
    kind: BounceKind,
    status: str,
) -> None:
    recipient = sent_through_provider(address, message_id)

    assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.BOUNCED
    assert recipient.bounce_kind == kind
    [bounced] = _events(recipient, EventType.EMAIL_BOUNCED)
    esp_name = ProviderEvent.objects.get().esp_name
    assert bounced.detail["late"] is True
    assert bounced.detail["source"] == esp_name
    assert bounced.detail["kind"] == kind.value
    assert bounced.detail.get("status", "") == status
    assert bounced.detail["reply"]
    # Only an address that is bad goes on the suppression list.
    suppressed = Suppression.objects.filter(email=address.lower()).exists()
    assert suppressed == (kind == BounceKind.HARD)


def test_it_never_suppresses_an_address_for_the_providers_own_failure(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(
        "recipient@example.com", "c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    )

    body = payload("amazon_ses", "rendering_failure_event")
    assert post_webhook(client, "amazon_ses", body).status_code == 200

    recipient.refresh_from_db()
    assert (recipient.email_status, recipient.bounce_kind) == (
        EmailStatus.BOUNCED,
        BounceKind.SOFT,
    )
    [failed] = _events(recipient, EventType.EMAIL_BOUNCED)
    assert "not present in the rendering data" in failed.detail["reply"]
    assert not Suppression.objects.exists()


DEFERRED = [
    ("postmark", "transient_event", *POSTMARK_BOUNCED, "421 4.7.0 Try again later"),
    (
        "mailgun",
        "failed_temporary_event",
        "undeliverable@nomx.example.com",
        "<20180812214638.1.4A7D468E9BC18C5D@example.org>",
        "No MX for nomx.example.com",
    ),
    (
        "sendgrid",
        "deferred_event",
        "recipient@example.com",
        "ccf83222-0d7e-4542-8beb-893122afa757",
        "Email was deferred",
    ),
    ("brevo", "deferred_event", "notauser@example.com", BREVO, "550 RecipientError"),
]


@pytest.mark.parametrize(("esp", "name", "address", "message_id", "words"), DEFERRED)
def test_it_puts_a_providers_deferral_on_the_timeline_and_leaves_the_outbox_alone(
    client: Client,
    sent_through_provider: Send,
    esp: str,
    name: str,
    address: str,
    message_id: str,
    words: str,
) -> None:
    recipient = sent_through_provider(address, message_id)
    sends, last_reply = recipient.sends, recipient.last_reply

    assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    recipient.refresh_from_db()
    # The provider retries on its own: nothing is queued here, and nothing moves.
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.next_attempt_at is None
    assert (recipient.sends, recipient.last_reply) == (sends, last_reply)
    [deferred] = _events(recipient, EventType.EMAIL_DEFERRED)
    assert words in deferred.detail["reply"]
    assert deferred.detail.get("retry_at") is None


COMPLAINED = [
    ("postmark", "spam_event", "spam@example.com", POSTMARK_BOUNCED[1]),
    (
        "mailgun",
        "complained_event",
        "recipient@example.com",
        "<20130718032413.263EE2E0926@example.org>",
    ),
    (
        "sendgrid",
        "spamreport_event",
        "recipient@example.com",
        "5a6ee1a2-9a7c-4d6b-8b8e-1f0f4b0d2c11",
    ),
    ("brevo", "spam", "recipient@example.com", BREVO),
    (
        "amazon_ses",
        "complaint_event",
        "richard@example.com",
        "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
    ),
]


@pytest.mark.parametrize(("esp", "name", "address", "message_id"), COMPLAINED)
def test_it_records_a_providers_spam_complaint_and_suppresses_the_address(
    client: Client, sent_through_provider: Send, esp: str, name: str, address: str, message_id: str
) -> None:
    recipient = sent_through_provider(address, message_id)

    assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.COMPLAINED
    [complained] = _events(recipient, EventType.EMAIL_COMPLAINED)
    assert complained.detail["source"] == ProviderEvent.objects.get().esp_name
    assert Suppression.objects.filter(email=address).exists()


OPENED = [
    ("postmark", "open_event", "click_event", *POSTMARK_OPENED),
    ("mailgun", "opened_event", "clicked_event", *MAILGUN_OPENED),
    (
        "sendgrid",
        "open_event",
        None,
        "recipient@example.com",
        "44920b35-3e31-478b-bb67-b4f5e0c85ebc",
    ),
    (
        "sendgrid",
        None,
        "click_event",
        "recipient@example.com",
        "75de5af9-a090-4325-87f9-8c599ad66f60",
    ),
    ("amazon_ses", "open_event", "click_event", "recipient@example.com", SES_TRACKED),
]


@pytest.mark.parametrize(("esp", "opened", "clicked", "address", "message_id"), OPENED)
def test_it_records_a_providers_opens_and_clicks_as_tracked_ones(
    client: Client,
    sent_through_provider: Send,
    esp: str,
    opened: str | None,
    clicked: str | None,
    address: str,
    message_id: str,
) -> None:
    recipient = sent_through_provider(address, message_id)

    with an_hour_later():
        for name in (opened, clicked):
            if name is not None:
                assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.opened_at is not None
    if opened is not None:
        [open_event] = _events(recipient, EventType.EMAIL_OPENED)
        assert open_event.user_agent  # the provider's, judged as a hit on our pixel is
    if clicked is not None:
        assert recipient.email_status == EmailStatus.CLICKED
        assert recipient.clicked_at is not None
        assert len(_events(recipient, EventType.EMAIL_CLICKED)) == 1
    else:
        assert recipient.email_status == EmailStatus.OPENED


def test_it_judges_a_providers_open_by_its_user_agent(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(*MAILGUN_OPENED)
    body = payload("mailgun", "opened_event")
    body["event-data"]["client-info"]["user-agent"] = (
        "Mozilla/5.0 (compatible; Some-ImageProxy/1.0)"
    )

    with an_hour_later():
        assert post_webhook(client, "mailgun", body).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert recipient.opened_at is None
    [machine_open] = _events(recipient, EventType.EMAIL_OPENED)
    assert machine_open.machine is True
    assert machine_open.detail["machine_reason"] == "image_proxy"


def test_it_judges_a_providers_click_by_the_clients_address(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(*POSTMARK_OPENED)
    body = payload("postmark", "click_event")
    body["Geo"]["IP"] = "40.107.12.34"  # Exchange Online Protection checking the link

    with an_hour_later():
        assert post_webhook(client, "postmark", body).status_code == 200

    recipient.refresh_from_db()
    assert (recipient.email_status, recipient.clicked_at) == (EmailStatus.DELIVERED, None)
    [scan] = _events(recipient, EventType.EMAIL_CLICKED)
    assert (scan.machine, scan.detail["machine_reason"]) == (True, "link_scanner")
    assert scan.client_hash  # the address itself is never stored


def test_it_counts_opens_and_clicks_without_a_user_agent_as_machine_made(
    client: Client, sent_through_provider: Send
) -> None:
    # django-anymail passes on no user agent from Brevo's events.
    recipient = sent_through_provider("recipient@example.com", BREVO)

    with an_hour_later():
        for name in ("opened_event", "clicked_event"):
            assert post_webhook(client, "brevo", payload("brevo", name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert (recipient.opened_at, recipient.clicked_at) == (None, None)
    hits = _events(recipient, EventType.EMAIL_OPENED) + _events(recipient, EventType.EMAIL_CLICKED)
    assert [(hit.machine, hit.detail["machine_reason"]) for hit in hits] == [
        (True, "no_user_agent"),
        (True, "no_user_agent"),
    ]


def test_it_unsubscribes_a_recipient_from_reminders_through_the_providers_link(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider("john@example.com", "a4909a96-73d7-4c49-b148-a54522d3f7ac")

    assert post_webhook(client, "postmark", payload("postmark", "unsubscribe")).status_code == 200

    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is not None
    [unsubscribed] = _events(recipient, EventType.EMAIL_UNSUBSCRIBED)
    assert unsubscribed.detail["one_click"] is False


def test_it_puts_an_automatic_reply_on_the_timeline_without_calling_it_a_bounce(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(*POSTMARK_BOUNCED)

    response = post_webhook(client, "postmark", payload("postmark", "autoresponder_event"))

    assert response.status_code == 200
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert len(_events(recipient, EventType.EMAIL_AUTO_REPLIED)) == 1
    assert not _events(recipient, EventType.EMAIL_BOUNCED)
