"""A deferred message is retried once its retry time has come, never before: until then
no worker claims its recipient, while recipients that are due are claimed and sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Answer, SmtpServer

RETRY_DELAY = 600
PROBE = "probe"


def _deferred_once(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> tuple[Recipient, dt.datetime]:
    """Ada, whose first attempt was deferred (451), and the time of her retry."""
    settings.SEND_RETRY_DELAYS = [RETRY_DELAY]
    [ada] = add_recipients(("Ada", "ada@example.com"))
    smtp.answer(Answer.DEFER, to="ada@example.com", times=1)
    certificate_send(certificate=certificate)
    before = timezone.now()
    report = deliver_due()
    assert (report.deferred, report.delivered) == (1, 0), "retried before its retry time"
    assert smtp.messages == []
    ada.refresh_from_db()
    retry_at = ada.next_attempt_at
    assert retry_at is not None
    assert retry_at >= before + dt.timedelta(seconds=RETRY_DELAY)
    deferred = Event.objects.get(recipient=ada, type=EventType.EMAIL_DEFERRED)
    assert dt.datetime.fromisoformat(deferred.detail["retry_at"]) == retry_at
    return ada, retry_at


def test_it_does_not_retry_a_deferred_message_before_its_retry_time(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada, retry_at = _deferred_once(smtp, settings, certificate, add_recipients)

    report = deliver_due()

    assert report.claimed == 0
    assert smtp.messages == []
    assert outbox_claim(lease_owner=PROBE, limit=10) == []
    assert outbox_claim(lease_owner=PROBE, limit=10, now=retry_at - dt.timedelta(seconds=1)) == []
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SENDING
    assert ada.attempts == 1
    assert ada.next_attempt_at == retry_at
    assert ada.lease_owner == ""
    assert ada.lease_until is None


def test_it_retries_a_deferred_message_once_its_retry_time_has_come(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada, retry_at = _deferred_once(smtp, settings, certificate, add_recipients)

    # The SMTP server's event loop keeps the real clock (its timeouts still work).
    with freeze_time(retry_at, real_asyncio=True):
        report = deliver_due()

    assert (report.claimed, report.delivered) == (1, 1)
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.DELIVERED
    assert ada.next_attempt_at is None
    assert ada.delivered_at == retry_at
    [received] = smtp.received_by("ada@example.com")
    assert ada.last_reply == received.reply
    types = Event.objects.filter(recipient=ada).order_by("pk").values_list("type", flat=True)
    assert list(types) == ["email.queued", "email.deferred", "email.sent", "email.delivered"]


def test_it_claims_the_due_recipients_and_leaves_the_deferred_one_for_later(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada, retry_at = _deferred_once(smtp, settings, certificate, add_recipients)
    bob, cleo = add_recipients(("Bob", "bob@example.com"), ("Cleo", "cleo@example.com"))
    certificate_send(certificate=certificate)  # the ones not sent yet: Bob and Cleo

    claimed = outbox_claim(lease_owner=PROBE, limit=10)

    assert sorted(recipient.pk for recipient in claimed) == sorted([bob.pk, cleo.pk])
    ada.refresh_from_db()
    assert ada.lease_owner == ""
    Recipient.objects.filter(lease_owner=PROBE).update(lease_owner="", lease_until=None)
    report = deliver_due()
    assert (report.claimed, report.delivered) == (2, 2)
    assert sorted(message.rcpt_tos[0] for message in smtp.messages) == [
        "bob@example.com",
        "cleo@example.com",
    ]
    assert smtp.received_by("ada@example.com") == []
    later = outbox_claim(lease_owner=PROBE, limit=10, now=retry_at)
    assert [recipient.pk for recipient in later] == [ada.pk]
