"""`conferral bounces serve` as a real process against the test database: the remote
mail server accepts our message with 250, then, as a real MTA does, sends a DSN for it
to the return path a moment later. The recipient is bounced, the timeline has the late
bounce, the issuer can read the raw report. The same by LMTP, with a reply for each
recipient; a database that fails gets a 451 and the message is stored on the retry."""

from __future__ import annotations

import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from conferral.bounces.models import InboundReport
from conferral.bounces.server import MESSAGE_MAX_BYTES
from conferral.bounces.tests.receive_support import (
    ROOT,
    STEP_TIMEOUT,
    database_url,
    dsn,
    process_env,
    send,
)
from conferral.certificates.event_details import EmailBounced
from conferral.certificates.events import detail_of
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.testing.servers import _wait_for_port, free_port
from conferral.testing.smtp import SmtpServer

START_TIMEOUT = 120.0


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., int]]:
    """Start `conferral bounces serve` (with the given options) on a free port; returns
    the port. Each one is stopped with SIGTERM and must exit cleanly."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str, database: str | None = None) -> int:
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conferral.cli",
                "bounces",
                "serve",
                "--port",
                str(port),
                *options,
            ],
            cwd=ROOT,
            env=process_env(tmp_path, database or database_url()),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        _wait_for_port(port, process, "conferral bounces serve", START_TIMEOUT)
        return port

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=STEP_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
        output = process.stdout.read().decode() if process.stdout else ""
        assert code == 0, output


def _lmtp(port: int, sender: str, recipients: list[str], raw: bytes) -> list[str]:
    """One LMTP transaction by hand: the replies to the end of DATA, one a recipient
    (Python's smtplib.LMTP reads only the first)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        stream = sock.makefile("rb")

        def reply() -> str:
            lines = []
            while True:
                line = stream.readline().decode()
                lines.append(line.strip())
                if line[3:4] != "-":
                    return "\n".join(lines)

        assert reply().startswith("220")
        sock.sendall(b"LHLO remote.example.com\r\n")
        assert reply().startswith("250")
        sock.sendall(f"MAIL FROM:<{sender}>\r\n".encode())
        assert reply().startswith("250")
        for address in recipients:
            sock.sendall(f"RCPT TO:<{address}>\r\n".encode())
            assert reply().startswith("250")
        sock.sendall(b"DATA\r\n")
        assert reply().startswith("354")
        data = raw.replace(b"\r\n.", b"\r\n..")
        sock.sendall(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        replies = [reply() for _address in recipients]
        sock.sendall(b"QUIT\r\n")
        return replies


@pytest.mark.django_db(transaction=True)
def test_it_bounces_a_recipient_when_the_remote_sends_a_dsn_after_accepting(
    smtp: SmtpServer,
    add_recipients: Callable[..., list[Recipient]],
    serve: Callable[..., int],
    user_client: Client,
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    sent = send(smtp, ada, bob)["ada@example.com"]
    assert sent.reply.startswith("250")  # the remote server accepted it
    port = serve()

    # A moment later the remote MTA reports the failure to the return path.
    raw = dsn(sent)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as remote:
        remote.ehlo("mx.example.com")
        assert remote.sendmail("", [sent.mail_from], raw) == {}
        # A message larger than the receiver takes is refused before it is sent.
        assert remote.mail("", [f"SIZE={MESSAGE_MAX_BYTES + 1}"])[0] == 552

    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, "hard")
    assert bob.email_status == EmailStatus.DELIVERED
    [event] = Event.objects.filter(recipient=ada, type=EventType.EMAIL_BOUNCED)
    detail = detail_of(event)
    assert isinstance(detail, EmailBounced)
    assert detail.late is True
    assert detail.accepted_at == ada.delivered_at
    assert detail.source == "dsn"
    [report] = InboundReport.objects.all()
    assert detail.report_id == report.pk
    assert (report.source, report.envelope_to) == ("smtp", sent.mail_from)

    page = user_client.get(f"/dashboard/reports/{report.pk}/")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "Final-Recipient: rfc822; ada@example.com" in text
    assert "&lt;ada@example.com&gt;: Recipient address rejected" in text


@pytest.mark.django_db(transaction=True)
def test_it_answers_each_lmtp_recipient_on_its_own_line(
    smtp: SmtpServer,
    add_recipients: Callable[..., list[Recipient]],
    serve: Callable[..., int],
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    messages = send(smtp, ada, bob)
    port = serve("--lmtp")
    sent = messages["ada@example.com"]
    replies = _lmtp(port, "", [sent.mail_from, "postmaster@conferral.localhost"], dsn(sent))
    assert [line[:3] for line in replies] == ["250", "250"]
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert ada.email_status == EmailStatus.BOUNCED
    assert bob.email_status == EmailStatus.DELIVERED
    # The second address is nobody's return path, but the DSN quotes Ada's message: the
    # same report for the same recipient, so it is stored once and recorded once.
    [report] = InboundReport.objects.all()
    assert (report.source, report.outcome, report.recipient_id) == ("lmtp", "applied", ada.pk)
    assert Event.objects.filter(recipient=ada, type=EventType.EMAIL_BOUNCED).count() == 1


def test_it_answers_451_while_the_database_fails_and_stores_the_retry(
    tmp_path: Path, serve: Callable[..., int]
) -> None:
    database = tmp_path / "own.sqlite3"
    url = f"sqlite:///{database}"
    migrated = subprocess.run(
        [sys.executable, "-m", "conferral.cli", "migrate"],
        cwd=ROOT,
        env=process_env(tmp_path, url),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = serve(database=url)
    raw = (
        b"From: someone@example.org\r\nSubject: Hello\r\nMessage-ID: <m1@example.org>\r\n\r\nHi\r\n"
    )
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE bounces_inboundreport RENAME TO broken")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as remote:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            remote.sendmail("", ["bounces+nobody@conferral.localhost"], raw)
        assert refused.value.smtp_code == 451
    with sqlite3.connect(database) as db:
        db.execute("ALTER TABLE broken RENAME TO bounces_inboundreport")
        assert db.execute("SELECT count(*) FROM bounces_inboundreport").fetchone() == (0,)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as remote:
        assert remote.sendmail("", ["bounces+nobody@conferral.localhost"], raw) == {}
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT raw, outcome FROM bounces_inboundreport").fetchall()
    assert stored == [(raw, "unmatched")]
