"""parse_message() on the shapes that come back: DSNs, auto-replies, complaints, odd
bounces and bytes that are no email at all."""

from __future__ import annotations

import pytest

from conferral.bounces.parse import MAX_BYTES, NotAnEmail, parse_message
from conferral.bounces.tests.agreement import CORPUS
from conferral.core.refusals import ReportKind

HANDMADE = CORPUS / "handmade"
PUBLIC_ID = "kD3fE6nAo0HpR9sT"


def _read(name: str) -> bytes:
    return (HANDMADE / name).read_bytes()


def test_it_reads_a_dsn_and_skips_the_recipient_it_relayed() -> None:
    report = parse_message(_read("postfix-two-recipients.eml"))
    assert report.is_report
    [finding] = report.findings
    assert (finding.recipient, finding.kind, finding.status) == (
        "ghost@example.com",
        ReportKind.HARD,
        "5.1.1",
    )
    assert finding.action == "failed"
    assert "User unknown in virtual mailbox table" in finding.diagnostic
    assert report.original_message_id == f"<3f9c2a7b1d0e4c58.{PUBLIC_ID}@conferral.example>"
    assert report.original_recipient_ids == [PUBLIC_ID]


def test_it_finds_no_failure_in_a_report_of_success() -> None:
    raw = (CORPUS / "postfix" / "18-2.0.0-relayed-notify-success.eml").read_bytes()
    assert b"Action: relayed" in raw
    report = parse_message(raw)
    assert report.is_report
    assert report.findings == []
    assert report.original_recipient_ids


def test_it_reads_a_real_postfix_bounce_for_a_domain_that_does_not_exist() -> None:
    raw = (CORPUS / "postfix" / "17-5.4.4-no-such-domain.eml").read_bytes()
    [finding] = parse_message(raw).findings
    assert (finding.recipient, finding.kind, finding.status) == (
        "maria@nodomain.invalid",
        ReportKind.HARD,
        "5.4.4",
    )


def test_it_takes_a_delayed_recipient_for_soft_and_reads_rfc822_headers() -> None:
    report = parse_message(_read("gmail-4.2.2-delayed.eml"))
    [finding] = report.findings
    assert (finding.kind, finding.action, finding.status) == (ReportKind.SOFT, "delayed", "4.2.2")
    assert report.original_recipient_ids == ["dW6yX9gTh3AiK2lM"]


def test_it_takes_a_dsn_for_a_bounce_although_it_says_auto_replied() -> None:
    raw = _read("gmail-5.7.26.eml")
    assert b"Auto-Submitted: auto-replied" in raw
    [finding] = parse_message(raw).findings
    assert (finding.kind, finding.status) == (ReportKind.BLOCKED, "5.7.26")


def test_it_finds_the_recipient_of_a_bounce_without_a_dsn() -> None:
    report = parse_message(_read("exim-5.7.1-spamhaus.eml"))
    assert not report.is_report
    [finding] = report.findings
    assert (finding.recipient, finding.kind) == ("olivia@example.co.uk", ReportKind.BLOCKED)
    assert report.original_recipient_ids == ["nG6iH9qDr3KsU2vW"]


@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("autoreply-de-abwesenheit.eml", "j.mueller@beispiel.example"),
        ("autoreply-fr-latin1.eml", "renee.dupre@exemple.example"),
        ("autoreply-ja-iso2022jp.eml", "yamada@example.jp"),
        ("autoreply-gmail-vacation.eml", "ada.lovelace@gmail.com"),
    ],
)
def test_it_tells_an_automatic_reply_in_any_language(name: str, sender: str) -> None:
    [finding] = parse_message(_read(name)).findings
    assert (finding.recipient, finding.kind) == (sender, ReportKind.AUTOREPLY)


def test_it_finds_nothing_in_a_person_s_reply() -> None:
    report = parse_message(_read("human-reply.eml"))
    assert report.findings == []
    assert report.subject == "Re: Your certificate: Data Protection Basics"


def test_it_reads_a_complaint_and_its_feedback_type() -> None:
    report = parse_message(_read("arf-fraud.eml"))
    assert report.feedback_type == "fraud"
    [finding] = report.findings
    assert (finding.recipient, finding.kind) == ("victor@mail.example", ReportKind.COMPLAINT)
    assert report.original_recipient_ids == ["uV3pO6xKy0RzB9cD"]


def test_it_finds_the_complainer_of_a_redacted_report_in_the_quoted_message() -> None:
    [finding] = parse_message(_read("arf-abuse-redacted.eml")).findings
    assert finding.recipient == "redacted@aol.example"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"  \r\n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" * 40, "binary"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "web page"),
        (b"Dear customer, your parcel is waiting.\n", "does not start with email headers"),
        (b"X-Unknown: 1\nX-Other: 2\n\nbody\n", "None of its headers"),
    ],
)
def test_it_refuses_what_is_not_an_email(raw: bytes, words: str) -> None:
    with pytest.raises(NotAnEmail, match=words):
        parse_message(raw)


def test_it_survives_an_unknown_charset_and_broken_mime() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\nSubject: Undeliverable\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain; charset=x-no-such-charset\n\n\xff\xfe caf\xe9\n"
        b"--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n"
        b"Final-Recipient: rfc822; ann@example.org\nAction: failed\nStatus: 5.1.1\n"
    )
    [finding] = parse_message(raw).findings
    assert (finding.recipient, finding.kind) == ("ann@example.org", ReportKind.HARD)


def test_it_reads_the_start_of_a_message_too_big_to_read_whole() -> None:
    head = _read("postfix-5.2.2-full.eml")
    raw = head + (b"x" * 76 + b"\n") * (MAX_BYTES // 77 + 10)
    assert len(raw) > MAX_BYTES
    [finding] = parse_message(raw).findings
    assert finding.kind == ReportKind.SOFT
