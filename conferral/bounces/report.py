"""What the bounce parser finds in one message that came back: the shared vocabulary of
the parser (conferral.bounces.parse), the inbound receivers and `conferral bounces
classify`. Each failure is classified by conferral.core.refusals."""

from __future__ import annotations

from dataclasses import dataclass, field

from conferral.core.refusals import ReportKind


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
