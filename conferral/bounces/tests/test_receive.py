"""Receiving a message that came back: matched to the recipient by the return path, by
our quoted Message-ID (only one we really sent) or by the quoted recipient header, then
applied through the feedback services, once, however often it arrives."""

from __future__ import annotations

from collections.abc import Callable

from conferral.bounces.models import RAW_MAX_BYTES, InboundReport, Outcome, Source
from conferral.bounces.receive import report_receive
from conferral.bounces.tests.receive_support import (
    arf,
    dsn,
    out_of_office,
    quoted_headers,
    send,
)
from conferral.certificates.event_details import EmailAutoReplied, EmailBounced, EmailComplained
from conferral.certificates.events import detail_of
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.models import Suppression
from conferral.testing.smtp import SmtpServer


def _events(recipient: Recipient, type: EventType) -> list[Event]:
    return list(Event.objects.filter(recipient=recipient, type=type))


def _states() -> list[tuple[str, str]]:
    return list(Recipient.objects.order_by("pk").values_list("email_status", "bounce_kind"))


def test_it_bounces_the_recipient_its_return_path_names(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    sent = send(smtp, ada, bob)["ada@example.com"]
    raw = dsn(sent)
    report = report_receive(raw, source=Source.LMTP, envelope_to=sent.mail_from, envelope_from="")
    ada.refresh_from_db()
    assert (report.outcome, report.recipient, report.kind) == (Outcome.APPLIED, ada, "hard")
    assert report.organization_id == ada.certificate.organization_id
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, "hard")
    [event] = _events(ada, EventType.EMAIL_BOUNCED)
    detail = detail_of(event)
    assert isinstance(detail, EmailBounced)
    assert detail.late is True
    assert detail.accepted_at is not None
    assert detail.status == "5.1.1"
    assert detail.code == 550
    assert detail.source == "dsn"
    assert detail.report_id == report.pk
    assert Suppression.objects.filter(email="ada@example.com").exists()
    bob.refresh_from_db()
    assert bob.email_status == EmailStatus.DELIVERED
    assert bytes(report.raw) == raw
    assert report.findings[0]["recipient"] == "ada@example.com"


def test_it_matches_by_our_quoted_message_id_when_the_return_path_is_lost(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(
        sent,
        to="postmaster@conferral.localhost",
        status="5.7.1",
        diagnostic="554 5.7.1 Message rejected as spam",
    )
    report = report_receive(raw, source=Source.SMTP, envelope_to="postmaster@conferral.localhost")
    ada.refresh_from_db()
    assert (report.outcome, report.recipient) == (Outcome.APPLIED, ada)
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, "blocked")
    assert not Suppression.objects.exists()  # a policy block is no reason to stop mailing


def test_it_refuses_a_message_id_with_a_right_public_id_and_a_wrong_random_part(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    message_id = sent.message["Message-ID"]
    forged = "<" + "0" * 16 + message_id[message_id.index(".") :]
    quoted = quoted_headers(sent).replace(message_id, forged)
    raw = dsn(sent, to="postmaster@conferral.localhost", quoted=quoted)
    before = _states()
    report = report_receive(raw, source=Source.SMTP, envelope_to="postmaster@conferral.localhost")
    assert report.outcome == Outcome.UNMATCHED
    assert report.recipient is None
    assert report.organization is None
    assert "never sent" in report.error
    assert _states() == before
    assert not _events(ada, EventType.EMAIL_BOUNCED)


def test_it_matches_by_the_quoted_recipient_header_when_nothing_else_is_there(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    quoted = "".join(
        line + "\r\n"
        for line in quoted_headers(sent).split("\r\n")
        if line.startswith(("From:", "To:", "Subject:", "X-Conferral-Recipient:"))
    )
    raw = dsn(sent, to="postmaster@conferral.localhost", quoted=quoted)
    report = report_receive(raw, source=Source.SMTP, envelope_to="postmaster@conferral.localhost")
    assert (report.outcome, report.recipient) == (Outcome.APPLIED, ada)


def test_it_changes_nothing_when_the_report_names_another_address(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(sent, final_recipient="mallory@example.org")
    before = _states()
    report = report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from)
    assert report.outcome == Outcome.UNMATCHED
    assert "mallory@example.org" in report.error
    assert _states() == before
    assert not Suppression.objects.exists()


def test_it_keeps_a_message_of_nobody_ours_unmatched(db: None) -> None:
    raw = (
        b"From: someone@example.org\r\nTo: bounces@conferral.localhost\r\n"
        b"Subject: Hello\r\n\r\nIs this the right address?\r\n"
    )
    report = report_receive(raw, source=Source.SMTP, envelope_to="bounces@conferral.localhost")
    assert report.outcome == Outcome.UNMATCHED
    assert report.error
    assert bytes(report.raw) == raw


def test_it_keeps_junk_as_invalid_with_the_parsers_reason(db: None) -> None:
    report = report_receive(b"\x00\x01\x02 binary junk", source=Source.LMTP, envelope_to="x@y")
    assert report.outcome == Outcome.INVALID
    assert "binary" in report.error
    assert bytes(report.raw) == b"\x00\x01\x02 binary junk"


def test_it_records_an_automatic_reply_without_moving_the_status(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    report = report_receive(out_of_office(sent), source=Source.SMTP, envelope_to=sent.mail_from)
    ada.refresh_from_db()
    assert (report.outcome, report.kind) == (Outcome.APPLIED, "autoreply")
    assert ada.email_status == EmailStatus.DELIVERED
    [event] = _events(ada, EventType.EMAIL_AUTO_REPLIED)
    assert detail_of(event) == EmailAutoReplied(
        subject="Out of office: back on Monday", report_id=report.pk
    )


def test_it_records_an_automatic_reply_from_an_alias(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = out_of_office(sent).replace(b"From: ada@example.com", b"From: a.lovelace@example.com")
    report = report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from)
    assert (report.outcome, report.recipient) == (Outcome.APPLIED, ada)
    assert len(_events(ada, EventType.EMAIL_AUTO_REPLIED)) == 1


def test_it_records_a_feedback_loop_complaint(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    report = report_receive(arf(sent), source=Source.SMTP, envelope_to=sent.mail_from)
    ada.refresh_from_db()
    assert (report.outcome, report.kind) == (Outcome.APPLIED, "complaint")
    assert ada.email_status == EmailStatus.COMPLAINED
    [event] = _events(ada, EventType.EMAIL_COMPLAINED)
    assert detail_of(event) == EmailComplained(feedback="abuse", source="arf", report_id=report.pk)
    assert Suppression.objects.filter(email="ada@example.com", reason="complaint").exists()


def test_it_records_a_replayed_report_once(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(sent, message_id="<report-1@mx.example.com>")
    first = report_receive(raw, source=Source.LMTP, envelope_to=sent.mail_from)
    # The same report again, by LMTP and then read from a mailbox (a header added).
    again = report_receive(raw, source=Source.LMTP, envelope_to=sent.mail_from)
    from_mailbox = report_receive(
        b"Delivered-To: " + sent.mail_from.encode() + b"\r\n" + raw, source=Source.IMAP
    )
    assert first.pk == again.pk == from_mailbox.pk
    assert InboundReport.objects.count() == 1
    assert len(_events(ada, EventType.EMAIL_BOUNCED)) == 1


def test_it_puts_a_second_bounce_on_the_timeline_of_a_recipient_already_bounced(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    report_receive(dsn(sent), source=Source.SMTP, envelope_to=sent.mail_from)
    second = report_receive(dsn(sent), source=Source.SMTP, envelope_to=sent.mail_from)
    assert second.outcome == Outcome.APPLIED
    assert len(_events(ada, EventType.EMAIL_BOUNCED)) == 2


def test_it_notes_a_delay_and_bounces_softly_only_when_the_relay_gave_up(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    full = "452 4.2.2 <{to}>: Mailbox full"
    delayed = report_receive(
        dsn(sent, action="delayed", status="4.2.2", diagnostic=full),
        source=Source.SMTP,
        envelope_to=sent.mail_from,
    )
    ada.refresh_from_db()
    assert delayed.outcome == Outcome.NOTED
    assert ada.email_status == EmailStatus.DELIVERED
    gave_up = report_receive(
        dsn(sent, action="failed", status="4.2.2", diagnostic=full),
        source=Source.SMTP,
        envelope_to=sent.mail_from,
    )
    ada.refresh_from_db()
    assert gave_up.outcome == Outcome.APPLIED
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, "soft")
    assert not Suppression.objects.exists()


def test_it_stores_a_huge_report_cut_and_says_how_long_it_was(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(sent) + b"X" * (RAW_MAX_BYTES + 10)
    report = report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from)
    report.refresh_from_db()
    assert report.outcome == Outcome.APPLIED
    assert len(report.raw) == RAW_MAX_BYTES
    assert report.raw_size == len(raw)
    assert report.is_cut


def test_it_stores_and_applies_a_report_with_bytes_no_database_takes_as_text(
    smtp: SmtpServer, add_recipients: Callable[..., list[Recipient]]
) -> None:
    junk = b"From: x@example.org\r\nSubject: caf\xe9 \x00 \xff\r\n\r\nbody\r\n"
    invalid = report_receive(junk, source=Source.SMTP, envelope_to="a\x00b@example.org")
    invalid.refresh_from_db()
    assert invalid.outcome == Outcome.INVALID
    assert invalid.subject == "caf\ufffd  \ufffd"
    assert invalid.envelope_to == "ab@example.org"
    assert bytes(invalid.raw) == junk

    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(sent, diagnostic="550 5.1.1 Benutzer unbekannt \xe4").replace(b"\xc3\xa4", b"\xe4")
    report = report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from)
    ada.refresh_from_db()
    assert report.outcome == Outcome.APPLIED
    assert ada.last_reply == "550 5.1.1 Benutzer unbekannt \ufffd"
