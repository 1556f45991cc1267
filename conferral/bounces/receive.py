"""A message that came back, stored, tied to the recipient it is about and applied:
`report_receive` is what the SMTP/LMTP receiver and the IMAP poller call for each one.

Finding the recipient, most trusted first:

1. the envelope recipient, our per-recipient return path `bounces+<public id>@…` (the
   RCPT TO of SMTP and LMTP; for a mailbox read over IMAP, the Delivered-To,
   X-Original-To, Envelope-To and To headers its server added);
2. else the Message-ID of our message, quoted by the report (`<random.<public id>@…>`).
   It is only taken when that exact Message-ID was sent to that recipient (an
   `email.sent` event has it): a report that names a right public id with a wrong random
   part is forged or about someone else's message, and left unmatched (not tried by 3);
3. else the X-Conferral-Recipient header of the quoted original.

When the report names the failed or complaining address, it must be the recipient's
(letter case aside): otherwise the report is stored unmatched with the reason and
changes nothing. An automatic reply may come from another address (an alias): it moves
no status, so it is recorded all the same.

One report makes at most one event, in the transaction that stores it: a complaint
(ARF), else a failure (hard, blocked, unknown: hard; soft only when the DSN says the
relay gave up, Action: failed), else an automatic reply. A delay notice, a "delivered"
DSN or a plain reply is stored and matched but records nothing. The same report
delivered again (the same Message-ID, or the same bytes when it has none, for the same
recipient) records nothing twice: the first copy is returned."""

from __future__ import annotations

import dataclasses
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import logging
from dataclasses import dataclass
from email.message import Message

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from conferral.bounces.models import RAW_MAX_BYTES, InboundReport, Outcome, Source
from conferral.bounces.parse import NotAnEmail, parse_message
from conferral.bounces.report import Finding, Report
from conferral.certificates.event_details import EmailAutoReplied
from conferral.certificates.events import event_record
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import BounceKind
from conferral.core.ids import looks_like_public_id
from conferral.core.refusals import ReportKind, reply_code
from conferral.delivery.feedback import email_bounce_record, email_complaint_record
from conferral.delivery.message import verp_public_id

logger = logging.getLogger(__name__)

# Where a mailbox's server writes the address a message was delivered to.
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
TEXT_MAX = 998  # the longest header line RFC 5322 allows, and the columns' length
# The findings that make the report's one event, the strongest first.
PRECEDENCE = (
    ReportKind.COMPLAINT,
    ReportKind.HARD,
    ReportKind.BLOCKED,
    ReportKind.UNKNOWN,
    ReportKind.SOFT,
    ReportKind.AUTOREPLY,
)
FAILURES = {ReportKind.HARD, ReportKind.BLOCKED, ReportKind.UNKNOWN}
BOUNCE_KINDS = {ReportKind.BLOCKED: BounceKind.BLOCKED, ReportKind.SOFT: BounceKind.SOFT}


@dataclass(frozen=True, slots=True)
class Match:
    """The recipient a report is about, or why none is."""

    recipient: Recipient | None
    reason: str = ""


def _clean(text: str) -> str:
    """Text any database stores: no NUL (PostgreSQL refuses it), and the undecodable
    bytes that headers read as surrogates turned into replacement characters."""
    return text.replace("\x00", "").encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cut(text: str) -> str:
    return _clean(text)[:TEXT_MAX]


def _cleaned(report: Report) -> Report:
    """The parser's report with every text clean (see _clean)."""
    findings = [
        dataclasses.replace(
            finding,
            recipient=_clean(finding.recipient),
            status=_clean(finding.status),
            explanation=_clean(finding.explanation),
            diagnostic=_clean(finding.diagnostic),
            action=_clean(finding.action),
        )
        for finding in report.findings
    ]
    return dataclasses.replace(
        report,
        findings=findings,
        original_message_id=_clean(report.original_message_id),
        original_recipient_ids=[_clean(value) for value in report.original_recipient_ids],
        subject=_clean(report.subject),
        feedback_type=_clean(report.feedback_type),
    )


def _head(raw: bytes) -> Message:
    """The report's own headers (compat32 never raises on a malformed one)."""
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)


def _decoded(value: object) -> str:
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):
        return str(value)


def _bare_message_id(value: str) -> str:
    return value.strip().strip("<>").strip()


def _fingerprint(raw: bytes, message_id: str) -> str:
    if message_id:
        return hashlib.sha256(b"message-id:" + message_id.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(raw).hexdigest()


def _address(value: str) -> str:
    """An address as a report gives it ("rfc822; Ada@Example.com"), comparable."""
    return value.rpartition(";")[2].strip().strip("<>").strip().lower()


def _by_public_id(public_id: str | None) -> Recipient | None:
    if not public_id or not looks_like_public_id(public_id):
        return None
    return Recipient.objects.select_related("certificate").filter(public_id=public_id).first()


def _envelope_addresses(head: Message, envelope_to: str | None) -> list[str]:
    if envelope_to is not None:
        return [envelope_to]
    values = [str(value) for name in ENVELOPE_HEADERS for value in head.get_all(name, [])]
    return [address for _name, address in email.utils.getaddresses(values) if address]


def _by_message_id(message_id: str) -> Match | None:
    """The recipient our quoted Message-ID was sent to; None when it is not one of ours."""
    bare = _bare_message_id(message_id)
    local = bare.rpartition("@")[0]
    if "." not in local:
        return None
    recipient = _by_public_id(local.rpartition(".")[2])
    if recipient is None:
        return None
    sent = Event.objects.filter(
        recipient=recipient, type=EventType.EMAIL_SENT, detail__message_id=f"<{bare}>"
    ).exists()
    if not sent:
        return Match(
            None,
            _("The quoted Message-ID %(id)s names a recipient but was never sent to them.")
            % {"id": f"<{bare}>"},
        )
    return Match(recipient)


def report_match(report: Report, head: Message, envelope_to: str | None = None) -> Match:
    """The recipient `report` is about (see the module's docstring for the order)."""
    recipient: Recipient | None = None
    for address in _envelope_addresses(head, envelope_to):
        recipient = _by_public_id(verp_public_id(address))
        if recipient is not None:
            break
    if recipient is None and report.original_message_id:
        found = _by_message_id(report.original_message_id)
        if found is not None and found.recipient is None:
            return found
        recipient = found.recipient if found is not None else None
    if recipient is None:
        for public_id in report.original_recipient_ids:
            recipient = _by_public_id(public_id.strip())
            if recipient is not None:
                break
    if recipient is None:
        return Match(None, _("No return path, Message-ID or recipient header of ours."))
    expected = recipient.email.strip().lower()
    for finding in report.findings:
        named = _address(finding.recipient)
        # An automatic reply may come from an alias; it moves nothing, so it is kept.
        if named and named != expected and finding.kind != ReportKind.AUTOREPLY:
            return Match(
                None,
                _("The report is about %(named)s, not the matched recipient's address.")
                % {"named": named},
            )
    return Match(recipient)


def _actionable(finding: Finding) -> bool:
    if finding.kind in (ReportKind.COMPLAINT, ReportKind.AUTOREPLY):
        return True
    if finding.kind in FAILURES:
        return finding.action in ("", "failed")
    return finding.kind == ReportKind.SOFT and finding.action == "failed"


def _chosen(report: Report) -> Finding | None:
    """The one finding the report's event comes from, if any."""
    candidates = [finding for finding in report.findings if _actionable(finding)]
    for kind in PRECEDENCE:
        for finding in candidates:
            if finding.kind == kind:
                return finding
    return None


def _apply(report: Report, finding: Finding, recipient: Recipient, row: InboundReport) -> None:
    if finding.kind == ReportKind.COMPLAINT:
        email_complaint_record(
            recipient=recipient,
            feedback=report.feedback_type,
            at=row.received_at,
            source="arf",
            report_id=row.pk,
        )
    elif finding.kind == ReportKind.AUTOREPLY:
        event_record(
            recipient=recipient,
            detail=EmailAutoReplied(subject=_cut(report.subject or row.subject), report_id=row.pk),
            at=row.received_at,
        )
    else:
        email_bounce_record(
            recipient=recipient,
            reply=finding.diagnostic or finding.explanation or finding.status,
            code=reply_code(finding.diagnostic),
            kind=BOUNCE_KINDS.get(finding.kind, BounceKind.HARD),
            at=row.received_at,
            status=finding.status,
            explanation=finding.explanation,
            source="imap" if row.source == Source.IMAP else "dsn",
            report_id=row.pk,
        )


def _replay(fingerprint: str, recipient: Recipient | None) -> InboundReport | None:
    return InboundReport.objects.filter(fingerprint=fingerprint, recipient=recipient).first()


def _parsed(raw: bytes) -> tuple[Report | None, str]:
    """The parser's report, or why there is none. A parser that fails on a message
    still leaves it stored, with the failure as its error."""
    try:
        return _cleaned(parse_message(raw)), ""
    except NotAnEmail as error:
        return None, _clean(str(error)) or _("This is not an email message.")
    except Exception as error:
        logger.exception("The bounce parser failed on a message; it is stored as invalid")
        return None, _clean(_("The message could not be read: %(error)s") % {"error": error})


def report_receive(
    raw: bytes,
    *,
    source: Source | str,
    envelope_to: str | None = None,
    envelope_from: str | None = None,
) -> InboundReport:
    """Store one received message, tie it to its recipient and record what it says, in
    one transaction. Returns the stored report (the first copy, for a replay). Raises
    only a database error: then nothing is stored and the sender should retry."""
    head = _head(raw)
    message_id = _bare_message_id(_decoded(head.get("Message-ID")))
    fingerprint = _fingerprint(raw, message_id)
    report, error = _parsed(raw)
    match = report_match(report, head, envelope_to) if report is not None else Match(None)
    existing = _replay(fingerprint, match.recipient)
    if existing is not None:
        return existing
    finding = _chosen(report) if report is not None and match.recipient is not None else None
    if report is None:
        outcome = Outcome.INVALID
    elif match.recipient is None:
        outcome, error = Outcome.UNMATCHED, match.reason
    else:
        outcome = Outcome.APPLIED if finding is not None else Outcome.NOTED
    kinds = [str(f.kind) for f in report.findings] if report is not None else []
    if envelope_from is None:
        envelope_from = _decoded(head.get("Return-Path"))
    recipient = match.recipient
    row = InboundReport(
        source=Source(source),
        envelope_from=_cut(envelope_from.strip()),
        envelope_to=_cut(next(iter(_envelope_addresses(head, envelope_to)), "").strip()),
        message_id=_cut(message_id),
        subject=_cut(_decoded(head.get("Subject"))),
        fingerprint=fingerprint,
        outcome=outcome,
        kind=str(finding.kind) if finding is not None else (kinds[0] if kinds else ""),
        recipient=recipient,
        organization_id=recipient.certificate.organization_id if recipient else None,
        findings=[dataclasses.asdict(f) for f in report.findings] if report else [],
        error=error,
        raw=raw[:RAW_MAX_BYTES],
        raw_size=len(raw),
    )
    try:
        with transaction.atomic():
            row.save()
            if report is not None and recipient is not None and finding is not None:
                _apply(report, finding, recipient, row)
    except IntegrityError:
        # The same report, stored meanwhile by another receiver.
        existing = _replay(fingerprint, recipient)
        if existing is None:
            raise
        return existing
    return row
