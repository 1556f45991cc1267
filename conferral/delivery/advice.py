"""A recipient's plain-words summary with what the sending side knows (the summary
itself is conferral.tracking.summary): the last bounce as recorded (a late one says
when the message had been accepted), whether the address is on the suppression list
and since when, and the address our email went out from, which the recipient's IT is
asked to allowlist. For one recipient's page and the API's timeline, not for a list."""

from __future__ import annotations

from conferral.certificates.event_details import EmailBounced, EmailSuppressed
from conferral.certificates.events import detail_of
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.message import organization_sender
from conferral.delivery.suppression import suppression_of
from conferral.tracking.summary import Explanation, recipient_explain


def _last_bounce(recipient: Recipient) -> EmailBounced | None:
    event = (
        Event.objects.filter(recipient=recipient, type=EventType.EMAIL_BOUNCED)
        .order_by("-at", "-pk")
        .first()
    )
    detail = detail_of(event) if event is not None else None
    return detail if isinstance(detail, EmailBounced) else None


def recipient_explain_full(recipient: Recipient) -> Explanation:
    """`recipient_explain` with the last bounce event and the suppression entry read
    (two indexed queries at most)."""
    bounced = recipient.email_status == EmailStatus.BOUNCED
    entry = suppression_of(recipient.certificate.organization_id, recipient.email)
    return recipient_explain(
        recipient,
        bounce=_last_bounce(recipient) if bounced else None,
        suppressed=EmailSuppressed(reason=entry.reason, since=entry.created_at)
        if entry is not None
        else None,
        sender=organization_sender(recipient.certificate.organization),
    )
