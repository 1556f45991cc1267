"""What comes back after a message was accepted: a bounce reported later (a delivery
status notification to the return path, a provider's webhook) and a spam complaint.

Both move the email status as the status machine says (a late bounce wins over
delivered, opened and clicked; a complaint ends sending to the recipient) with their
event in one transaction. The parsers that find these reports call these services."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from conferral.certificates.event_details import EmailBounced, EmailComplained
from conferral.certificates.events import event_record
from conferral.certificates.models import Recipient
from conferral.certificates.status import BounceKind, Step, transition
from conferral.delivery.models import SuppressionReason
from conferral.delivery.suppression import suppression_add


def _current(recipient: Recipient) -> tuple[dt.datetime | None, str, int]:
    """When the last message was accepted, the address and the organization, as stored."""
    delivered_at, email, organization_id = (
        Recipient.objects.filter(pk=recipient.pk)
        .values_list("delivered_at", "email", "certificate__organization_id")
        .get()
    )
    return delivered_at, email, organization_id


def email_bounce_record(
    *,
    recipient: Recipient,
    reply: str,
    code: int | None = None,
    kind: BounceKind = BounceKind.HARD,
    at: dt.datetime | None = None,
    status: str = "",
    explanation: str = "",
    source: str = "",
    report_id: int | None = None,
) -> bool:
    """A bounce reported after the server accepted the message. True if it moved the
    recipient to bounced (and cancelled a resend still queued); the event is recorded
    either way (a report about a recipient already bounced, or one who complained, is
    still part of the timeline). A hard bounce puts the address on the suppression list."""
    now = at or timezone.now()
    bounce = transition(Step.BOUNCE)
    with transaction.atomic():
        # Read now, not from the caller's object: the address may have been corrected
        # since it was loaded, and only the address that bounced is suppressed.
        accepted_at, email, organization_id = _current(recipient)
        moved = (
            Recipient.objects.filter(bounce.sources_q(), pk=recipient.pk).update(
                email_status=bounce.target,
                bounce_kind=kind,
                bounced_at=now,
                last_reply=reply,
                next_attempt_at=None,
            )
            > 0
        )
        event_record(
            recipient=recipient,
            detail=EmailBounced(
                reply=reply,
                code=code,
                kind=kind.value,
                late=True,
                status=status,
                explanation=explanation,
                source=source,
                report_id=report_id,
                accepted_at=accepted_at,
            ),
            at=now,
        )
        if kind == BounceKind.HARD:
            suppression_add(
                organization_id=organization_id,
                email=email,
                reason=SuppressionReason.HARD_BOUNCE,
                detail=reply,
            )
    recipient.refresh_from_db(
        fields=["email_status", "bounce_kind", "bounced_at", "last_reply", "next_attempt_at"]
    )
    return moved


def email_complaint_record(
    *,
    recipient: Recipient,
    feedback: str = "",
    at: dt.datetime | None = None,
    source: str = "",
    report_id: int | None = None,
) -> bool:
    """The recipient marked the message as spam. True if it moved the email status to
    complained; the address goes on the suppression list."""
    now = at or timezone.now()
    complain = transition(Step.COMPLAIN)
    with transaction.atomic():
        _accepted_at, email, organization_id = _current(recipient)
        moved = (
            Recipient.objects.filter(complain.sources_q(), pk=recipient.pk).update(
                email_status=complain.target, next_attempt_at=None
            )
            > 0
        )
        event_record(
            recipient=recipient,
            detail=EmailComplained(feedback=feedback, source=source, report_id=report_id),
            at=now,
        )
        suppression_add(
            organization_id=organization_id,
            email=email,
            reason=SuppressionReason.COMPLAINT,
            detail=feedback,
        )
    recipient.refresh_from_db(fields=["email_status", "next_attempt_at"])
    return moved
