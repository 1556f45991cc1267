"""Automatic reminders: a delivered, unclaimed credential is reminded every interval, up
to the limit, through the real outbox and SMTP server; a claim, an unsubscribe, a
bounce, a revocation, the limit and the claim deadline stop them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.credentials import credential_claim, recipient_revoke
from conferral.certificates.models import Certificate, Channel, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.feedback import email_bounce_record
from conferral.delivery.models import SuppressionReason
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.reminders import (
    deadline_end,
    deadline_reminder_at,
    next_reminder_at,
    recipient_unsubscribe,
    reminders_sweep,
)
from conferral.delivery.services import certificate_send, recipient_resend
from conferral.delivery.suppression import suppression_add
from conferral.delivery.tasks import sweep_run
from conferral.delivery.worker import run_worker
from conferral.testing.smtp import Received, SmtpServer
from conferral.tracking.links import open_pixel_url

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
INTERVAL = 7
DAY = dt.timedelta(days=1)


def _remind(
    certificate: Certificate, *, interval: int = INTERVAL, limit: int = 2, **more: object
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        reminder_interval_days=interval, reminder_limit=limit, **more
    )


@pytest.fixture
def delivered(
    smtp: SmtpServer, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> Recipient:
    """Ada, whose certificate (reminders every 7 days, at most 2) was delivered now."""
    _remind(certificate)
    [ada] = add_recipients(("Ada", "ada@example.com"))
    certificate_send(certificate=certificate)
    assert deliver_due().delivered == 1
    ada.refresh_from_db()
    assert ada.delivered_at is not None
    return ada


@contextmanager
def _on(moment: dt.datetime) -> Iterator[None]:
    # The SMTP server's event loop keeps the real clock (its timeouts still work).
    with freeze_time(moment, real_asyncio=True):
        yield


def _sweep_and_send(moment: dt.datetime) -> int:
    """A sweeper cycle at `moment`, then the deliver task; how many were delivered."""
    with _on(moment):
        sweep_run()
        return deliver_due().delivered


def _reminders(smtp: SmtpServer) -> list[Received]:
    return [m for m in smtp.messages if str(m.message["Subject"]).startswith("Reminder: ")]


def _text(received: Received) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_it_sends_a_reminder_once_the_interval_has_passed(
    smtp: SmtpServer, delivered: Recipient
) -> None:
    first = delivered.delivered_at
    assert first is not None

    assert _sweep_and_send(first + DAY * INTERVAL - dt.timedelta(minutes=5)) == 0
    assert _reminders(smtp) == []
    delivered.refresh_from_db()
    assert delivered.reminder_due_at is not None
    assert first + DAY * INTERVAL <= delivered.reminder_due_at

    assert _sweep_and_send(first + DAY * INTERVAL + dt.timedelta(minutes=1)) == 1

    [reminder] = _reminders(smtp)
    message = reminder.message
    assert reminder.rcpt_tos == ["ada@example.com"]
    assert message["Subject"] == "Reminder: Your certificate: Python Fundamentals"
    assert "A reminder: your certificate is waiting for you." in _text(reminder)
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<http")
    assert unsubscribe.endswith(">")
    assert f"/u/{delivered.public_id}/" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivered.refresh_from_db()
    assert delivered.reminders_sent == 1
    assert delivered.email_status == EmailStatus.DELIVERED
    queued = Event.objects.filter(recipient=delivered, type=EventType.EMAIL_QUEUED).order_by("pk")
    assert [e.detail.get("reminder", False) for e in queued] == [False, True]


def test_it_shows_the_reminder_on_the_recipients_timeline(
    smtp: SmtpServer, delivered: Recipient, org: Organization
) -> None:
    assert delivered.delivered_at is not None
    _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1))
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    issuer = Client()
    assert issuer.login(username="owner@acme.test", password="correct horse battery")

    page = issuer.get(reverse("dashboard:recipient", kwargs={"recipient_id": delivered.public_id}))

    assert page.status_code == 200
    assert "Reminder queued (the credential is not claimed yet)." in page.content.decode()


def test_it_sends_no_more_reminders_than_the_limit(smtp: SmtpServer, delivered: Recipient) -> None:
    assert delivered.delivered_at is not None
    moment = delivered.delivered_at
    sent = 0
    for _cycle in range(4):
        moment += DAY * (INTERVAL + 1)
        sent += _sweep_and_send(moment)

    assert sent == 2
    assert len(_reminders(smtp)) == 2
    delivered.refresh_from_db()
    assert delivered.reminders_sent == 2
    assert delivered.reminder_due_at is None


def test_it_waits_the_interval_after_each_reminder(smtp: SmtpServer, delivered: Recipient) -> None:
    assert delivered.delivered_at is not None
    reminded_at = delivered.delivered_at + DAY * (INTERVAL + 1)
    assert _sweep_and_send(reminded_at) == 1

    assert _sweep_and_send(reminded_at + DAY * (INTERVAL - 1)) == 0
    assert _sweep_and_send(reminded_at + DAY * (INTERVAL + 1)) == 1


def test_it_stops_reminding_once_the_credential_is_claimed(
    smtp: SmtpServer, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    with _on(delivered.delivered_at + DAY):
        sweep_run()  # plans the first reminder
    delivered.refresh_from_db()
    assert delivered.reminder_due_at is not None

    credential_claim(recipient=delivered, channel=Channel.EMAIL)

    delivered.refresh_from_db()
    assert delivered.reminder_due_at is None
    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 0
    assert _reminders(smtp) == []


@pytest.mark.parametrize("stop", ["unsubscribe", "bounce", "revoke"])
def test_it_stops_reminding_after_an_unsubscribe_a_bounce_or_a_revocation(
    smtp: SmtpServer, delivered: Recipient, stop: str
) -> None:
    assert delivered.delivered_at is not None
    with _on(delivered.delivered_at + DAY):
        sweep_run()
    if stop == "unsubscribe":
        recipient_unsubscribe(recipient=delivered, one_click=True)
    elif stop == "bounce":
        email_bounce_record(recipient=delivered, reply="550 5.1.1 mailbox gone")
    else:
        recipient_revoke(recipient=delivered, reason="Issued by mistake")

    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 0

    assert _reminders(smtp) == []
    delivered.refresh_from_db()
    assert delivered.reminders_sent == 0
    assert delivered.reminder_due_at is None


def test_it_reminds_a_recipient_who_opened_the_email_and_keeps_them_opened(
    smtp: SmtpServer, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    pixel = urlsplit(open_pixel_url(delivered)).path
    with _on(delivered.delivered_at + dt.timedelta(hours=1)):  # a person, not a scanner
        assert Client(HTTP_USER_AGENT=FIREFOX).get(pixel).status_code == 200
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.OPENED

    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 1

    assert len(_reminders(smtp)) == 1
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.OPENED


def test_it_sends_a_manual_resend_as_the_first_email_not_as_a_reminder(
    smtp: SmtpServer, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    with _on(delivered.delivered_at + DAY):
        sweep_run()  # plans the reminder for day 7
        recipient_resend(recipient=delivered)
        assert deliver_due().delivered == 1

    assert len(smtp.messages) == 2
    assert _reminders(smtp) == []
    delivered.refresh_from_db()
    assert delivered.reminders_sent == 0
    # The next reminder counts from the resend, not from the first email.
    hour = dt.timedelta(hours=1)
    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL - 1) + hour) == 0
    assert _sweep_and_send(delivered.delivered_at + DAY * INTERVAL + hour) == 1


def test_it_does_not_remind_an_address_on_the_suppression_list(
    smtp: SmtpServer, org: Organization, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    suppression_add(
        organization_id=org.pk,
        email="ADA@example.com",
        reason=SuppressionReason.COMPLAINT,
        detail="marked another certificate's email as spam",
    )

    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 0

    assert _reminders(smtp) == []
    delivered.refresh_from_db()
    assert delivered.reminder_due_at is None


def test_it_stops_reminding_when_reminders_are_switched_off(
    smtp: SmtpServer, certificate: Certificate, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    with _on(delivered.delivered_at + DAY):
        sweep_run()
    Certificate.objects.filter(pk=certificate.pk).update(reminder_interval_days=None)

    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 0
    delivered.refresh_from_db()
    assert delivered.reminder_due_at is None


def test_it_does_not_remind_a_recipient_whose_certificate_has_no_reminders(
    smtp: SmtpServer, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    certificate_send(certificate=certificate)
    deliver_due()

    assert _sweep_and_send(timezone.now() + DAY * 60) == 0
    assert Recipient.objects.get().reminder_due_at is None


def test_it_sends_a_last_reminder_before_the_claim_deadline(
    smtp: SmtpServer, settings: Settings, certificate: Certificate, delivered: Recipient
) -> None:
    settings.REMINDER_DEADLINE_DAYS = 3
    assert delivered.delivered_at is not None
    deadline = timezone.localdate(delivered.delivered_at) + DAY * 5
    _remind(certificate, interval=30, limit=3, claim_deadline=deadline)
    pull = deadline_reminder_at(deadline)

    assert _sweep_and_send(pull - dt.timedelta(minutes=5)) == 0
    assert _sweep_and_send(pull + dt.timedelta(minutes=1)) == 1

    [reminder] = _reminders(smtp)
    text = _text(reminder)
    assert "Please claim it by" in text
    # Nothing more before the deadline, and nothing after it.
    assert _sweep_and_send(pull + DAY * 2) == 0
    assert _sweep_and_send(deadline_end(deadline) + DAY * 40) == 0
    assert len(_reminders(smtp)) == 1


def test_it_sends_no_reminder_once_the_claim_deadline_has_passed(
    smtp: SmtpServer, certificate: Certificate, delivered: Recipient
) -> None:
    assert delivered.delivered_at is not None
    with _on(delivered.delivered_at + DAY):
        sweep_run()  # plans the reminder for day 7
    deadline = timezone.localdate(delivered.delivered_at) + DAY * 4
    _remind(certificate, claim_deadline=deadline)

    assert _sweep_and_send(delivered.delivered_at + DAY * (INTERVAL + 1)) == 0

    assert _reminders(smtp) == []
    delivered.refresh_from_db()
    assert delivered.reminder_due_at is None


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_due_reminder_after_the_worker_restarts(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.TASKS = DATABASE
    _remind(certificate)
    [ada] = add_recipients(("Ada", "ada@example.com"))
    certificate_send(certificate=certificate)
    run_worker(burst=True, verbosity=0)
    ada.refresh_from_db()
    assert ada.delivered_at is not None
    due = ada.delivered_at + DAY * (INTERVAL + 1)
    # A worker queues the reminder, claims it and dies before sending it.
    with _on(due):
        assert reminders_sweep().queued == 1
        assert [r.pk for r in outbox_claim(lease_owner="crashed:1", limit=10)] == [ada.pk]
    assert _reminders(smtp) == []

    # A new worker, once the dead one's lease has run out, sends it, still a reminder.
    with _on(due + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS + 60)):
        run_worker(burst=True, verbosity=0)

    [reminder] = _reminders(smtp)
    assert reminder.rcpt_tos == ["ada@example.com"]
    ada.refresh_from_db()
    assert (ada.reminders_sent, ada.email_status) == (1, EmailStatus.DELIVERED)


def test_it_computes_the_next_reminder_from_the_interval_and_the_deadline(
    settings: Settings,
) -> None:
    settings.REMINDER_DEADLINE_DAYS = 3
    last = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    pull = dt.datetime(2026, 3, 17, tzinfo=dt.UTC)

    assert next_reminder_at(last_message_at=last, interval_days=7, deadline=None) == last + DAY * 7
    assert (
        next_reminder_at(last_message_at=last, interval_days=7, deadline=dt.date(2026, 3, 20))
        == last + DAY * 7
    )
    assert (
        next_reminder_at(
            last_message_at=last + DAY * 14, interval_days=7, deadline=dt.date(2026, 3, 20)
        )
        == pull
    )
    assert (
        next_reminder_at(last_message_at=pull, interval_days=7, deadline=dt.date(2026, 3, 20))
        is None
    )
