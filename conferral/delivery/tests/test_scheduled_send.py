"""A send scheduled for later is not sent before its time, and is sent once it comes."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import SmtpServer

WAIT_LIMIT = 10.0


def test_it_does_not_send_a_scheduled_send_before_its_time(
    smtp: SmtpServer, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    at = timezone.now() + dt.timedelta(hours=1)

    certificate_send(certificate=certificate, at=at)
    report = deliver_due()

    assert report.claimed == 0
    assert smtp.messages == []
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SCHEDULED
    assert outbox_claim(lease_owner="probe", limit=10, now=at - dt.timedelta(seconds=1)) == []
    assert [r.pk for r in outbox_claim(lease_owner="probe", limit=10, now=at)] == [ada.pk]


def test_it_sends_a_scheduled_send_once_its_time_has_come(
    smtp: SmtpServer, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    at = timezone.now() + dt.timedelta(seconds=0.3)
    certificate_send(certificate=certificate, at=at)

    assert deliver_due().claimed == 0
    deadline = time.monotonic() + WAIT_LIMIT
    while timezone.now() < at and time.monotonic() < deadline:
        time.sleep(0.05)
    report = deliver_due()

    assert report.delivered == 1
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.DELIVERED
    assert [m.rcpt_tos for m in smtp.messages] == [["ada@example.com"]]
