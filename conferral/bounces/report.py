"""What the bounce parser finds in one message that came back: the shared vocabulary of
the parser (conferral.bounces.parse), the classifier (conferral.bounces.classify), the
inbound receivers and `conferral bounces classify`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ReportKind(StrEnum):
    """What a failed recipient's line means. `hard`: the address itself is bad (unknown
    user or domain, moved). What time, a corrected set-up or the recipient's IT could
    fix is not hard: `soft` (mailbox full, greylisting, rate limits, temporary
    failures) or `blocked` (policy and reputation refusals, spam and content blocks)."""

    HARD = "hard"
    SOFT = "soft"
    BLOCKED = "blocked"
    AUTOREPLY = "autoreply"  # out of office, vacation, other automatic replies
    COMPLAINT = "complaint"  # an ARF feedback report (RFC 5965)
    UNKNOWN = "unknown"  # a failure whose reason cannot be told


@dataclass(frozen=True, slots=True)
class Classification:
    """One SMTP reply or DSN status, classified."""

    kind: ReportKind
    status: str  # the enhanced status code (RFC 3463), e.g. "5.1.1", or ""
    explanation: str  # plain English words for the reason (translated where shown)


@dataclass(frozen=True, slots=True)
class Finding:
    """One recipient the message is about."""

    recipient: str  # the failed address as the report gives it ("" when not given)
    kind: ReportKind
    status: str  # enhanced status code or ""
    explanation: str
    diagnostic: str = ""  # the remote server's own words (Diagnostic-Code, SMTP reply)
    action: str = ""  # the DSN Action field: failed, delayed, delivered, relayed, expanded


@dataclass(frozen=True, slots=True)
class Report:
    """A parsed message: its findings, and what ties it to the message we sent."""

    findings: list[Finding] = field(default_factory=list)
    original_message_id: str = ""  # the Message-ID of the message that bounced, if quoted
    original_recipient_ids: list[str] = field(default_factory=list)  # X-Conferral-Recipient
    subject: str = ""
    is_report: bool = False  # a multipart/report (DSN or ARF), as opposed to a plain reply
    feedback_type: str = ""  # ARF Feedback-Type (abuse, fraud, …)
