"""An outage of our own mail relay is not the recipients' bounce: while the configured
SMTP server cannot be reached or refuses our login, the breaker pauses sending and the
recipients wait with their attempts untouched; when it answers again everyone is
delivered exactly once. Only a reply about one recipient counts against that one.
Through a real aiosmtpd server on 127.0.0.1 (and a port nobody listens on)."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.certificates.event_details import EmailSent
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery import breaker
from conferral.delivery.models import MailServiceOutage
from conferral.delivery.pipeline import DeliverReport, deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Answer, SmtpServer

RECIPIENTS = 200
DEAD_RELAY = "smtp://127.0.0.1:1?timeout=2"  # nothing listens on port 1
OUTAGE_SECONDS = 0.6


@pytest.fixture
def quick_breaker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probes a few hundredths of a second apart instead of 5 s, 10 s, 20 s …"""
    monkeypatch.setattr(breaker, "FIRST_PAUSE_SECONDS", 0.05)
    monkeypatch.setattr(breaker, "LONGEST_PAUSE_SECONDS", 0.1)


def _probe_for(seconds: float) -> int:
    """Run deliver rounds the way workers would while the relay is down; how many
    recipients they held back."""
    paused = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        paused += deliver_due().paused
        time.sleep(0.02)
    return paused


def test_it_holds_everyone_back_while_the_relay_is_down_and_delivers_each_once_after(
    smtp: SmtpServer,
    settings: SettingsWrapper,
    quick_breaker: None,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(RECIPIENTS)])
    relay = settings.EMAIL_URL
    settings.EMAIL_URL = DEAD_RELAY
    certificate_send(certificate=certificate)

    paused = _probe_for(OUTAGE_SECONDS)

    assert paused >= 2 * RECIPIENTS  # held back by more than one failed probe
    outage = MailServiceOutage.objects.get()
    assert outage.failures >= 2
    assert "could not connect to 127.0.0.1:1" in outage.reply
    pending = Recipient.objects.filter(pk__in=[p.pk for p in people])
    assert set(pending.values_list("email_status", flat=True)) == {EmailStatus.SENDING}
    assert set(pending.values_list("attempts", flat=True)) == {0}
    assert not pending.exclude(lease_owner="").exists()
    # The timeline says why each one waits, once per outage, not once per probe.
    deferred = Event.objects.filter(type=EventType.EMAIL_DEFERRED)
    assert Counter(deferred.values_list("recipient_id", flat=True)) == {p.pk: 1 for p in people}
    assert not Event.objects.filter(type=EventType.EMAIL_BOUNCED).exists()
    assert smtp.messages == []

    settings.EMAIL_URL = relay
    report = deliver()

    assert report.delivered == RECIPIENTS
    assert report.bounced == 0
    copies = Counter(message.rcpt_tos[0] for message in smtp.messages)
    assert copies == {p.email: 1 for p in people}
    assert set(pending.values_list("email_status", flat=True)) == {EmailStatus.DELIVERED}
    sent = Event.objects.filter(type=EventType.EMAIL_SENT)
    assert {EmailSent.from_json(event.detail).attempt for event in sent} == {1}
    assert not MailServiceOutage.objects.exists()


def test_it_pauses_instead_of_bouncing_when_the_relay_refuses_our_login(
    smtp: SmtpServer,
    settings: SettingsWrapper,
    quick_breaker: None,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(5)])
    smtp.credentials = ("mailer", "right")
    settings.EMAIL_URL = f"smtp://mailer:wrong@127.0.0.1:{smtp.port}"
    settings.SEND_RETRY_DELAYS = [0.01]  # one retry: a counted attempt would bounce soon
    certificate_send(certificate=certificate)

    _probe_for(OUTAGE_SECONDS / 2)

    assert " 535 " in MailServiceOutage.objects.get().reply
    assert not Recipient.objects.filter(email_status=EmailStatus.BOUNCED).exists()
    assert set(Recipient.objects.values_list("attempts", flat=True)) == {0}
    assert smtp.messages == []

    settings.EMAIL_URL = f"smtp://mailer:right@127.0.0.1:{smtp.port}"
    deliver()

    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(p.email for p in people)
    assert not MailServiceOutage.objects.exists()


def test_it_does_not_count_the_message_on_the_wire_when_the_relay_dies_under_it(
    smtp: SmtpServer,
    settings: SettingsWrapper,
    quick_breaker: None,
    monkeypatch: pytest.MonkeyPatch,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(6)])
    smtp.credentials = ("mailer", "right")
    settings.EMAIL_URL = f"smtp://mailer:right@127.0.0.1:{smtp.port}"
    # The connection dies under p2's message, and the relay comes back refusing our
    # login (its password rotated): p2's failure was the relay's, not p2's.
    smtp.answer(Answer.DROP, to="p2@example.com", times=1)
    handle_data = smtp.handle_DATA

    async def dying(server: Any, session: Any, envelope: Any) -> str:
        if "X-DROP" in envelope.rcpt_options:
            smtp.credentials = ("mailer", "rotated")
        return await handle_data(server, session, envelope)

    monkeypatch.setattr(smtp, "handle_DATA", dying)
    # A pause no busy machine outlasts within one run: the run must not probe again.
    monkeypatch.setattr(breaker, "FIRST_PAUSE_SECONDS", 1.0)
    certificate_send(certificate=certificate)

    report = deliver_due()

    assert (report.delivered, report.paused, report.deferred) == (2, 4, 0)
    assert set(Recipient.objects.values_list("attempts", flat=True)) == {0}
    assert " 535 " in MailServiceOutage.objects.get().reply

    smtp.credentials = ("mailer", "right")
    deliver()

    copies = Counter(message.rcpt_tos[0] for message in smtp.messages)
    assert copies == {p.email: 1 for p in people}
    assert not MailServiceOutage.objects.exists()


def test_it_bounces_only_the_recipient_the_relay_refuses_at_rcpt(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(6)])
    smtp.answer(Answer.REJECT, to="p3@example.com")
    certificate_send(certificate=certificate)

    report = deliver()

    assert (report.delivered, report.bounced, report.paused) == (5, 1, 0)
    assert list(
        Recipient.objects.filter(email_status=EmailStatus.BOUNCED).values_list("email", "attempts")
    ) == [("p3@example.com", 1)]
    assert not MailServiceOutage.objects.exists()


def test_it_tells_the_dashboard_and_the_status_command_that_the_relay_is_down(
    smtp: SmtpServer,
    settings: SettingsWrapper,
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    from typer.testing import CliRunner

    from conferral.cli.main import app

    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(3)])
    settings.EMAIL_URL = DEAD_RELAY
    certificate_send(certificate=certificate)
    deliver_due()
    since = MailServiceOutage.objects.get().since
    expected = (
        f"The mail server has been unreachable since {timezone.localtime(since):%H:%M}; "
        "3 emails are waiting."
    )

    kwargs = {"certificate_id": certificate.public_id}
    for page in ("dashboard:certificate", "dashboard:certificate_progress"):
        assert expected in user_client.get(reverse(page, kwargs=kwargs)).content.decode()
    status = CliRunner().invoke(app, ["status", certificate.public_id])
    assert status.exit_code == 0, status.output
    assert expected in status.output

    settings.EMAIL_URL = smtp.url
    # The next probe is due, and so are the recipients waiting for it.
    MailServiceOutage.objects.update(retry_at=since)
    Recipient.objects.update(next_attempt_at=since)
    deliver_due()
    page = user_client.get(reverse("dashboard:certificate", kwargs=kwargs)).content.decode()
    assert "unreachable" not in page


class _Provider(http.server.BaseHTTPRequestHandler):
    """Postmark's API on 127.0.0.1: refusing our token (401) until `token_ok`."""

    token_ok = False
    sent: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not self.token_ok:
            answer, status = {"ErrorCode": 10, "Message": "Bad or missing API token"}, 401
        else:
            self.sent.append(body["To"])
            answer, status = {"To": body["To"], "ErrorCode": 0, "Message": "OK"}, 200
            answer["MessageID"] = f"id-{len(self.sent)}"
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def provider() -> Iterator[tuple[type[_Provider], int]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Provider.token_ok, _Provider.sent = False, []
    try:
        yield _Provider, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_it_pauses_instead_of_bouncing_when_the_provider_refuses_our_token(
    settings: SettingsWrapper,
    provider: tuple[type[_Provider], int],
    quick_breaker: None,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    handler, port = provider
    settings.EMAIL_URL = "django://anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "wrong",
        "POSTMARK_API_URL": f"http://127.0.0.1:{port}/",
    }
    settings.SEND_RETRY_DELAYS = [0.01]
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(4)])
    certificate_send(certificate=certificate)

    _probe_for(OUTAGE_SECONDS / 2)

    assert "401" in MailServiceOutage.objects.get().reply
    assert not Recipient.objects.filter(email_status=EmailStatus.BOUNCED).exists()
    assert set(Recipient.objects.values_list("attempts", flat=True)) == {0}

    handler.token_ok = True
    deliver()

    assert sorted(handler.sent) == sorted(f"{p.name} <{p.email}>" for p in people)
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {EmailStatus.DELIVERED}
    assert not MailServiceOutage.objects.exists()
