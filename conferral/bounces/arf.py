"""Feedback reports (ARF, RFC 5965): a multipart/report; report-type=feedback-report sent
by a mailbox provider when its user marked our message as spam. Its
message/feedback-report part names the Feedback-Type (abuse, fraud, virus, other,
not-spam) and, often, the Original-Rcpt-To; providers that redact it leave the quoted
original's To, or nothing but our ids in the quoted headers."""

from __future__ import annotations

import email.parser
import email.policy
from email.message import Message

from django.utils.translation import gettext_noop

from conferral.bounces.mime import address, decoded, header, quoted_original
from conferral.bounces.report import Finding
from conferral.core.refusals import ReportKind

COMPLAINED = gettext_noop("The recipient reported the message as spam (a feedback report).")
NOT_SPAM = gettext_noop("The recipient marked the message as not spam (a feedback report).")


def feedback_part(message: Message) -> Message | None:
    """The message/feedback-report part, if the message has one."""
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            return part
    return None


def _fields(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return parser.parsestr(decoded(part).strip() + "\n")


def feedback_type(part: Message) -> str:
    return header(_fields(part), "Feedback-Type").lower().split(" ")[0]


def arf_findings(message: Message, part: Message) -> list[Finding]:
    """The complaint: one finding for the recipient the report names (or "")."""
    fields = _fields(part)
    recipient = address(header(fields, "Original-Rcpt-To")) or address(
        header(fields, "Removal-Recipient")
    )
    if not recipient:
        quoted = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
            quoted_original(message)
        )
        recipient = address(header(quoted, "To"))
    kind = feedback_type(part)
    return [
        Finding(
            recipient=recipient,
            kind=ReportKind.COMPLAINT,
            status="",
            explanation=NOT_SPAM if kind == "not-spam" else COMPLAINED,
            diagnostic=f"Feedback-Type: {kind}" if kind else "",
        )
    ]
