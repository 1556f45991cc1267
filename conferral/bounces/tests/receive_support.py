"""Messages that come back, built as real mail systems build them, from a message
Conferral really sent (as the test SMTP server received it): a delivery status
notification (RFC 3464) to its VERP return path, an ARF complaint (RFC 5965) and an
out-of-office reply."""

from __future__ import annotations

import email.utils
import os
from pathlib import Path
from urllib.parse import quote

from django.db import connection

import conferral
from conferral.certificates.models import Recipient
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Received, SmtpServer

REMOTE = "mx.example.com"
ROOT = Path(conferral.__file__).resolve().parent.parent
STEP_TIMEOUT = 120


def database_url() -> str:
    """The test database, as a URL a process of its own can open."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def process_env(data_dir: Path, database: str, **settings: str) -> dict[str, str]:
    """The environment of a `conferral` process on `database`: none of the test run's
    own CONFERRAL_* settings, and the given ones (CONFERRAL_ prefixed)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    environment["CONFERRAL_DATA_DIR"] = str(data_dir)
    environment["CONFERRAL_DATABASE_URL"] = database
    environment.update({f"CONFERRAL_{name}": value for name, value in settings.items()})
    return environment


def quoted_headers(sent: Received) -> str:
    """The headers of the message as sent, as a DSN quotes them."""
    return sent.data.split(b"\r\n\r\n", 1)[0].decode() + "\r\n"


def dsn(
    sent: Received,
    *,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "550 5.1.1 <{to}>: Recipient address rejected: User unknown",
    final_recipient: str | None = None,
    to: str | None = None,
    message_id: str | None = None,
    quoted: str | None = None,
) -> bytes:
    """A Postfix-style DSN for `sent`, to its return path."""
    address = sent.rcpt_tos[0]
    boundary = "B" + os.urandom(6).hex()
    words = diagnostic.format(to=address)
    return (
        f"Return-Path: <>\r\n"
        f"From: MAILER-DAEMON@{REMOTE} (Mail Delivery System)\r\n"
        f"To: {to or sent.mail_from}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
        f"Message-ID: {message_id or email.utils.make_msgid(domain=REMOTE)}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"This is the mail system at host {REMOTE}.\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n"
        "\r\n"
        f"<{address}>: host {REMOTE} said: {words}\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        f"Reporting-MTA: dns; {REMOTE}\r\n"
        f"Arrival-Date: {email.utils.formatdate(usegmt=True)}\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {final_recipient or address}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Remote-MTA: dns; {REMOTE}\r\n"
        f"Diagnostic-Code: smtp; {words}\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        f"{quoted if quoted is not None else quoted_headers(sent)}"
        f"--{boundary}--\r\n"
    ).encode()


def arf(sent: Received, *, feedback_type: str = "abuse") -> bytes:
    """A feedback loop's complaint about `sent`."""
    boundary = "A" + os.urandom(6).hex()
    address = sent.rcpt_tos[0]
    return (
        "From: Feedback Loop <fbl@isp.example.net>\r\n"
        f"To: {sent.mail_from}\r\n"
        "Subject: Abuse report\r\n"
        f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='isp.example.net')}\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=feedback-report; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is an email abuse report for a message received from you.\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/feedback-report\r\n"
        "\r\n"
        f"Feedback-Type: {feedback_type}\r\n"
        "User-Agent: ExampleFBL/1.0\r\n"
        "Version: 1\r\n"
        f"Original-Rcpt-To: {address}\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        f"{quoted_headers(sent)}"
        f"--{boundary}--\r\n"
    ).encode()


def out_of_office(sent: Received, *, subject: str = "Out of office: back on Monday") -> bytes:
    address = sent.rcpt_tos[0]
    original = sent.message["Message-ID"]
    return (
        f"From: {address}\r\n"
        f"To: {sent.mail_from}\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {email.utils.formatdate(usegmt=True)}\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='example.com')}\r\n"
        f"In-Reply-To: {original}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "I am away until Monday and will read your message then.\r\n"
    ).encode()


def send(smtp: SmtpServer, *recipients: Recipient) -> dict[str, Received]:
    """Send the recipients' certificate through the real pipeline to `smtp`; the message
    each of them was sent, as the server received it, by address."""
    certificate_send(
        certificate=recipients[0].certificate, recipient_ids=[r.public_id for r in recipients]
    )
    deliver_due()
    return {r.email: smtp.received_by(r.email)[-1] for r in recipients}
