"""`parse_message(raw)`: what a message that came back to us says, as a Report.

In this order, because each kind can look like the next:
1. a delivery status notification (RFC 3464), however it is labelled: it is a bounce
   even though it carries `Auto-Submitted: auto-replied` (conferral.bounces.dsn);
2. a feedback report (ARF, RFC 5965): a complaint (conferral.bounces.arf);
3. a bounce in a mail system's own words, from a mailer daemon or with a bounce's
   subject (conferral.bounces.plain);
4. an automatic reply (conferral.bounces.autoreply);
5. any other message in which flufl.bounce still finds failed addresses.
A message that is none of these (a person's reply) is a Report without findings.

Only the first MAX_BYTES of a message are read: a report's reason, addresses and quoted
headers sit at its start, and a huge attachment must not cost memory. Bytes that are not
an email at all (empty, binary, a web page) raise NotAnEmail."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from django.utils.translation import gettext as _

from conferral.bounces.arf import arf_findings, feedback_part, feedback_type
from conferral.bounces.autoreply import autoreply_finding, is_autoreply
from conferral.bounces.dsn import delivery_status_part, dsn_findings, dsn_names_recipients
from conferral.bounces.mime import header, original_message_id, readable_text, recipient_ids
from conferral.bounces.plain import looks_like_bounce, plain_findings, unnamed_finding
from conferral.bounces.report import Finding, Report

MAX_BYTES = 2 * 1024 * 1024
SNIFF_BYTES = 8192
# Bytes that no text has; old mail systems let a stray one through, so only a share of
# them says the data is binary.
_CONTROL = frozenset(range(9)) | frozenset(range(14, 27)) | frozenset(range(28, 32))
BINARY_SHARE = 0.02
# Headers any real message has at least one of.
_KNOWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "delivered-to",
    }
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_MARKUP = re.compile(rb"^\s*<(!doctype|html|\?xml|head|body)\b", re.I)


class NotAnEmail(ValueError):
    """The bytes are not an email message; the message says what they look like."""


def _check(raw: bytes) -> bytes:
    """The bytes to parse (an mbox "From " line dropped), or NotAnEmail."""
    if not raw.strip():
        raise NotAnEmail(_("The file is empty."))
    start = raw[:SNIFF_BYTES]
    if sum(start.count(bytes([byte])) for byte in _CONTROL) > len(start) * BINARY_SHARE:
        raise NotAnEmail(_("This is binary data, not an email message."))
    if _MARKUP.match(start):
        raise NotAnEmail(_("This is a web page or an XML document, not an email message."))
    if raw.startswith(b"From "):
        raw = raw.partition(b"\n")[2]
    if not _HEADER_LINE.match(raw.lstrip(b"\r\n")):
        raise NotAnEmail(_("This does not start with email headers (such as From: or Subject:)."))
    return raw


def parse_message(raw: bytes) -> Report:
    """The findings of one message (its raw bytes, as received)."""
    raw = _check(raw[:MAX_BYTES])
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not _KNOWN_HEADERS.intersection(name.lower() for name in message):
        raise NotAnEmail(_("None of its headers is an email header (From:, To:, Subject:…)."))
    text = readable_text(message)
    findings, is_report, feedback = _findings(message, text)
    return Report(
        findings=findings,
        original_message_id=original_message_id(message, text),
        original_recipient_ids=recipient_ids(message, text),
        subject=header(message, "Subject"),
        is_report=is_report,
        feedback_type=feedback,
    )


def _findings(message: Message, text: str) -> tuple[list[Finding], bool, str]:
    """The findings, whether the message is a DSN or ARF report, and its feedback type."""
    status = delivery_status_part(message)
    if status is not None and dsn_names_recipients(status):
        return dsn_findings(status, text), True, ""
    feedback = feedback_part(message)
    if feedback is not None:
        return arf_findings(message, feedback), True, feedback_type(feedback)
    if status is not None or looks_like_bounce(message):
        # A delivery-status part that names no recipient is read like a plain bounce.
        found = plain_findings(message, text)
        if status is None and not found:
            found = [unnamed_finding(text)]
        return found, status is not None, ""
    if is_autoreply(message, text):
        return [autoreply_finding(message)], False, ""
    return plain_findings(message, text), False, ""
