"""A worker reads the bounce mailbox while CONFERRAL_BOUNCE_IMAP_URL is set, and a
mailbox it cannot read does not stop it working."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django.fixtures import Settings

from conferral.bounces.models import InboundReport
from conferral.bounces.tests.receive_support import dsn, send
from conferral.certificates.models import Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.worker import run_worker
from conferral.testing.dovecot import Dovecot
from conferral.testing.servers import free_port
from conferral.testing.smtp import SmtpServer


@pytest.mark.django_db(transaction=True)
def test_it_reads_the_bounce_mailbox_in_the_worker(
    dovecot: Dovecot,
    smtp: SmtpServer,
    settings: Settings,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    dovecot.append(f"Delivered-To: {sent.mail_from}\r\n".encode() + dsn(sent))
    settings.BOUNCE_IMAP_URL = dovecot.url()
    run_worker(burst=True, verbosity=0)
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.BOUNCED
    assert dovecot.flags() == [{"\\Seen"}]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_working_when_the_bounce_mailbox_is_down(
    smtp: SmtpServer,
    settings: Settings,
    add_recipients: Callable[..., list[Recipient]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    send(smtp, ada)
    settings.BOUNCE_IMAP_URL = f"imap://u:p@127.0.0.1:{free_port()}/INBOX"
    run_worker(burst=True, verbosity=0)
    assert "cannot be reached" in caplog.text
    assert not InboundReport.objects.exists()
