"""Plain words for what came back after sending, and for the sends that were not made:
bounces (by kind and status code, a late one with when the message had been accepted),
spam complaints, automatic replies, sends skipped for a suppressed address, and
unsubscribes. One sentence per event, as in conferral.tracking.explain, which takes
these explainers into its table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from conferral.certificates import event_details as details
from conferral.certificates.events import detail_of
from conferral.certificates.models import Event, EventType
from conferral.certificates.status import BounceKind, bounce_kind
from conferral.core.refusals import TEMPORARY, classify
from conferral.tracking.wording import REPLY_MAX, reply_text, when_text

# The value of conferral.delivery.models.SuppressionReason.COMPLAINT (an app of a layer
# above this one) in `email.suppressed` events.
COMPLAINT = "complaint"


@dataclass(frozen=True)
class BounceReading:
    """What a bounce means: its kind, its enhanced status code and the reason in words
    (translated). From the bounce as recorded, or, for a row recorded before bounces
    were classified, from the server's reply (so an old 5.7.1 policy refusal reads as
    blocked, not as a bad address)."""

    kind: BounceKind
    status: str
    explanation: str


def bounce_reading(detail: details.EmailBounced) -> BounceReading:
    if detail.explanation:
        kind = BounceKind(detail.kind) if detail.kind in BounceKind.values else BounceKind.HARD
        status, explanation = detail.status, detail.explanation
    else:
        found = classify(detail.code, detail.reply)
        # Retries that ran out are soft, whatever the last reply was.
        kind = BounceKind.SOFT if detail.kind == BounceKind.SOFT else bounce_kind(found.kind)
        status, explanation = detail.status or found.status, found.explanation
    if kind == BounceKind.SOFT and explanation == TEMPORARY:
        # "It will be retried" no longer holds once the retries ran out.
        explanation = ""
    return BounceReading(kind, status, _(explanation) if explanation else "")


def _bounced(event: Event) -> str:
    detail = details.EmailBounced.from_json(event.detail)
    reading = bounce_reading(detail)
    reply = reply_text(detail.reply, detail.code) or _("no reason given")
    if detail.late and detail.accepted_at is not None:
        text = _(
            "Accepted by the recipient's server at %(accepted)s, refused later: a bounce "
            "report came back (%(reply)s)."
        ) % {"accepted": when_text(detail.accepted_at, event.at), "reply": reply}
    elif detail.late:
        text = _(
            "Bounced after the server had accepted it: a bounce report came back (%(reply)s)."
        ) % {"reply": reply}
    elif reading.kind == BounceKind.SOFT and detail.attempts > 1:
        text = _(
            "Bounced: the server kept deferring it and we gave up after %(attempts)s tries "
            "(%(reply)s)."
        ) % {"attempts": detail.attempts, "reply": reply}
    elif reading.kind == BounceKind.SOFT:
        text = _("Bounced: the server kept deferring it and the retries ran out (%(reply)s).") % {
            "reply": reply
        }
    elif reading.kind == BounceKind.BLOCKED:
        text = _("Blocked by the recipient's mail server (%(reply)s).") % {"reply": reply}
    else:
        text = _("Bounced permanently (%(reply)s).") % {"reply": reply}
    return f"{text} {reading.explanation}".rstrip()


def _complained(event: Event) -> str:
    feedback = details.EmailComplained.from_json(event.detail).feedback.strip()
    if feedback:
        text = _("The recipient marked the email as spam (%(feedback)s).") % {"feedback": feedback}
    else:
        text = _("The recipient marked the email as spam.")
    return text + " " + _("Nothing more is emailed to this address.")


def _auto_replied(event: Event) -> str:
    subject = " ".join(details.EmailAutoReplied.from_json(event.detail).subject.split())
    if subject:
        return _(
            "An automatic reply came back (“%(subject)s”), such as an out-of-office: not a "
            "bounce, the email arrived."
        ) % {"subject": subject[:REPLY_MAX]}
    return _(
        "An automatic reply came back, such as an out-of-office: not a bounce, the email arrived."
    )


def is_complaint(suppressed: details.EmailSuppressed) -> bool:
    """The address is suppressed because its owner complained (not a hard bounce)."""
    return suppressed.reason == COMPLAINT


def _suppressed(event: Event) -> str:
    detail = details.EmailSuppressed.from_json(event.detail)
    complaint = is_complaint(detail)
    if detail.since is None and complaint:
        return _(
            "Not sent: the owner of this address marked an email from us as spam, so it "
            "is on the suppression list. Use “Send anyway” only if they asked for it."
        )
    if detail.since is None:
        return _(
            "Not sent: this address bounced for good before, so it is on the suppression "
            "list. Correct the address, or use “Send anyway”."
        )
    when = {"time": when_text(detail.since, event.at)}
    if complaint:
        return (
            _(
                "Not sent: the owner of this address marked an email from us as spam "
                "(%(time)s), so it is on the suppression list. Use “Send anyway” only if "
                "they asked for it."
            )
            % when
        )
    return (
        _(
            "Not sent: this address bounced for good before (%(time)s), so it is on the "
            "suppression list. Correct the address, or use “Send anyway”."
        )
        % when
    )


def _unsubscribed(event: Event) -> str:
    if details.EmailUnsubscribed.from_json(event.detail).one_click:
        return _("Unsubscribed from reminders with the unsubscribe button of their email program.")
    return _("Unsubscribed from reminders on the unsubscribe page.")


FEEDBACK_EXPLAINERS: dict[str, Callable[[Event], str]] = {
    EventType.EMAIL_BOUNCED: _bounced,
    EventType.EMAIL_COMPLAINED: _complained,
    EventType.EMAIL_AUTO_REPLIED: _auto_replied,
    EventType.EMAIL_SUPPRESSED: _suppressed,
    EventType.EMAIL_UNSUBSCRIBED: _unsubscribed,
}


def event_report_url(event: Event) -> str:
    """The stored report a bounce, complaint or automatic reply came from, when the
    event names one and the report page exists ("" otherwise)."""
    report_id = getattr(detail_of(event), "report_id", None)
    if not isinstance(report_id, int):
        return ""
    try:
        return reverse("bounces:report", args=[report_id])
    except NoReverseMatch:
        return ""
