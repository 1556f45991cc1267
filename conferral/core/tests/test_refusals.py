"""classify() against the RFC 3463 codes and the replies servers really give."""

from __future__ import annotations

import pytest

from conferral.certificates.status import BounceKind, bounce_kind
from conferral.core.refusals import BAD_MAILBOX, FULL, UNKNOWN, ReportKind, classify

H, S, B, U = ReportKind.HARD, ReportKind.SOFT, ReportKind.BLOCKED, ReportKind.UNKNOWN


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("5.1.1", H),
        ("5.1.2", H),
        ("5.1.3", H),
        ("5.1.6", H),
        ("5.1.10", H),
        ("5.1.8", B),
        ("5.2.1", H),
        ("5.2.2", S),
        ("5.2.3", B),
        ("5.3.1", S),
        ("5.4.1", S),
        ("5.4.7", S),
        ("5.6.1", B),
        ("5.7.1", B),
        ("5.7.26", B),
        ("5.7.606", B),
        ("4.2.2", S),
        ("4.7.1", S),
        ("4.1.1", S),
        ("5.0.0", U),
    ],
)
def test_it_classifies_the_enhanced_status_codes(status: str, kind: ReportKind) -> None:
    classification = classify(int(status[0]) * 100 + 50, f"{status[0]}50 {status}")
    assert (classification.kind, classification.status) == (kind, status)


@pytest.mark.parametrize(
    ("code", "reply", "kind"),
    [
        (550, "550 Requested action not taken: mailbox unavailable", H),
        (550, "550 <ann@example.com>... User unknown", H),
        (550, "550 No such user here", H),
        (552, "552 Quota violation for ann@example.com", S),
        (550, "550 Mailbox full", S),
        (554, "554 Your message was rejected as spam", B),
        (
            550,
            "550 Service unavailable; client host [203.0.113.9] blocked using zen.spamhaus.org",
            B,
        ),
        (554, "554 5.7.1 <ann@example.com>: Relay access denied", B),
        (550, "550 5.7.606 Access denied, banned sending IP [203.0.113.9]", B),
        (550, "550-5.7.1 this message is likely unsolicited mail", B),
        (550, "550 SPF check failed", B),
        (550, "550 5.0.0 Recipient address rejected: Access denied", B),
        (550, "550 Message rejected for policy reasons", B),
        (451, "451 4.7.1 Greylisted, please try again later", S),
        (421, "421 Too many connections from your IP", S),
        (550, "550 Host or domain name not found", H),
        (554, "554 delivery error", U),
        (None, "smtp; 550 #5.1.0 Address rejected", H),
        (550, "550 5.2.1 The email account that you tried to reach is disabled.", H),
    ],
)
def test_it_classifies_the_words_of_typical_replies(
    code: int | None, reply: str, kind: ReportKind
) -> None:
    assert classify(code, reply).kind == kind


def test_it_reads_the_reply_code_and_status_from_the_text_alone() -> None:
    classification = classify(None, "552-5.2.2 The recipient's inbox is out of storage space")
    assert classification.status == "5.2.2"
    assert classification.kind == S
    assert classification.explanation == FULL


def test_it_prefers_a_specific_code_to_a_catch_all_one() -> None:
    classification = classify(None, "5.0.0 smtp; 550 5.1.1 <ann@example.com>: no such mailbox")
    assert (classification.kind, classification.status) == (H, "5.1.1")
    assert classification.explanation == BAD_MAILBOX


def test_it_takes_no_version_number_for_a_status_code() -> None:
    classification = classify(550, "550 Mailman 2.0.12: undeliverable")
    assert (classification.status, classification.explanation) == ("", UNKNOWN)


def test_it_maps_every_failure_to_a_bounce_kind() -> None:
    assert bounce_kind(H) == BounceKind.HARD
    assert bounce_kind(U) == BounceKind.HARD
    assert bounce_kind(S) == BounceKind.SOFT
    assert bounce_kind(B) == BounceKind.BLOCKED
