"""`conferral bounces poll` against a real Dovecot: the reports put into the mailbox
(IMAP APPEND) are stored and applied, then flagged \\Seen, and a second poll changes
nothing. A mailbox that cannot be read is a clear error, and a message whose report
could not be stored stays unseen for the next poll."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from pytest_django.fixtures import Settings
from typer.testing import CliRunner

from conferral.bounces.imap import ImapError, mailbox_poll
from conferral.bounces.models import InboundReport
from conferral.bounces.tests.receive_support import (
    ROOT,
    STEP_TIMEOUT,
    database_url,
    dsn,
    out_of_office,
    process_env,
    send,
)
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.cli.main import app
from conferral.testing.dovecot import Dovecot
from conferral.testing.smtp import SmtpServer

TABLE = InboundReport._meta.db_table
BROKEN = "bounces_broken"


def _poll(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conferral.cli", "bounces", "poll", "--once"],
        cwd=ROOT,
        env=process_env(tmp_path, database_url(), BOUNCE_IMAP_URL=url),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )


def _with_delivered_to(address: str, raw: bytes) -> bytes:
    """The message as the mailbox's server stores it (it adds where it delivered it)."""
    return f"Delivered-To: {address}\r\n".encode() + raw


@pytest.mark.django_db(transaction=True)
def test_it_applies_the_reports_of_the_mailbox_once_and_flags_them(
    dovecot: Dovecot,
    smtp: SmtpServer,
    add_recipients: Callable[..., list[Recipient]],
    tmp_path: Path,
) -> None:
    ada, bob, cy = add_recipients(
        ("Ada", "ada@example.com"), ("Bob", "bob@example.com"), ("Cy", "cy@example.com")
    )
    sent = send(smtp, ada, bob, cy)
    to_ada, to_bob = sent["ada@example.com"], sent["bob@example.com"]
    dovecot.append(_with_delivered_to(to_ada.mail_from, dsn(to_ada)))
    dovecot.append(_with_delivered_to(to_bob.mail_from, out_of_office(to_bob)))
    dovecot.append(b"\x00\x01 not an email")
    assert dovecot.flags() == [set(), set(), set()]

    first = _poll(tmp_path, dovecot.url())
    assert first.returncode == 0, first.stderr
    assert "Read 3 reports, 2 recorded" in first.stdout
    ada.refresh_from_db()
    bob.refresh_from_db()
    cy.refresh_from_db()
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, "hard")
    assert bob.email_status == EmailStatus.DELIVERED
    assert Event.objects.filter(recipient=bob, type=EventType.EMAIL_AUTO_REPLIED).count() == 1
    assert cy.email_status == EmailStatus.DELIVERED
    bounce = Event.objects.get(recipient=ada, type=EventType.EMAIL_BOUNCED)
    assert bounce.detail["source"] == "imap"
    assert sorted(InboundReport.objects.values_list("source", "outcome")) == [
        ("imap", "applied"),
        ("imap", "applied"),
        ("imap", "invalid"),
    ]
    assert dovecot.flags() == [{"\\Seen"}] * 3

    events = Event.objects.count()
    second = _poll(tmp_path, dovecot.url())
    assert second.returncode == 0, second.stderr
    assert "Read 0 reports" in second.stdout
    assert Event.objects.count() == events
    assert InboundReport.objects.count() == 3


def test_it_says_clearly_when_the_mailbox_is_down_or_refuses_the_login(
    dovecot: Dovecot, settings: Settings, db: None
) -> None:
    dovecot.append(b"From: a@example.org\r\nSubject: Hello\r\n\r\nHi\r\n")
    settings.BOUNCE_IMAP_URL = dovecot.url().replace("horse", "donkey")
    refused = CliRunner().invoke(app, ["bounces", "poll", "--once"])
    assert refused.exit_code == 1
    assert "refused the login" in refused.output
    assert "donkey" not in refused.output  # the password is not repeated

    settings.BOUNCE_IMAP_URL = ""
    unset = CliRunner().invoke(app, ["bounces", "poll", "--once"])
    assert unset.exit_code == 1
    assert "CONFERRAL_BOUNCE_IMAP_URL is not set" in unset.output

    settings.BOUNCE_IMAP_URL = "http://example.org/"
    wrong = CliRunner().invoke(app, ["bounces", "poll", "--once"])
    assert wrong.exit_code == 1
    assert "imap://" in wrong.output
    assert dovecot.flags() == [set()]

    # The server goes down: the poll says so, and the message waits in the maildir.
    dovecot.stop()
    settings.BOUNCE_IMAP_URL = dovecot.url()
    down = CliRunner().invoke(app, ["bounces", "poll", "--once"])
    assert down.exit_code == 1
    assert "cannot be reached" in down.output
    assert not InboundReport.objects.exists()
    assert len(list(dovecot.directory.glob("home/*/Maildir/*/*"))) == 1


def _rename(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {old} RENAME TO {new}")


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_message_unseen_when_its_report_cannot_be_stored(dovecot: Dovecot) -> None:
    dovecot.append(b"From: a@example.org\r\nSubject: Hello\r\n\r\nHi\r\n")
    _rename(TABLE, BROKEN)
    try:
        with pytest.raises(DatabaseError, match=TABLE):
            mailbox_poll(dovecot.url())
        assert dovecot.flags() == [set()]
    finally:
        _rename(BROKEN, TABLE)
    result = mailbox_poll(dovecot.url())
    assert (result.read, result.applied) == (1, 0)
    assert dovecot.flags() == [{"\\Seen"}]
    assert InboundReport.objects.get().outcome == "unmatched"


def test_it_refuses_a_mailbox_url_it_cannot_use(db: None) -> None:
    for url, words in [
        ("imap://127.0.0.1/INBOX", "needs a user, a password and a host"),
        ("pop3://u:p@example.org/", "must start with imap://"),
        ("imap://u:p@example.org:99999/INBOX", "invalid port"),
    ]:
        with pytest.raises(ImapError, match=words):
            mailbox_poll(url)


def test_it_refuses_to_start_with_a_bounce_mailbox_url_that_cannot_work(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=process_env(tmp_path, "", BOUNCE_IMAP_URL="pop3://u:p@mail.example.org/"),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert done.returncode != 0
    assert "CONFERRAL_BOUNCE_IMAP_URL" in done.stderr
    assert "must start with imap:// or imaps://" in done.stderr
