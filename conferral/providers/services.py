"""A provider's tracking event, applied once: found by the provider's message id and fed
to the same services as Conferral's own sending, bounce reports and tracking links.

Each event is first written as a ProviderEvent, whose unique (esp_name, event_id) makes
a replayed event a no-op; that row and the event's effect share one transaction, so an
event is either applied and remembered or neither (a failure answers 500 and the
provider retries). An event that names no message Conferral sent is remembered without
a recipient and otherwise ignored: answering 200 stops the provider from retrying it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from conferral.certificates.event_details import (
    EmailAutoReplied,
    EmailDeferred,
    EmailDelivered,
)
from conferral.certificates.events import event_record
from conferral.certificates.models import Recipient
from conferral.certificates.status import Step, transition
from conferral.core.refusals import reply_code
from conferral.delivery.feedback import email_bounce_record, email_complaint_record
from conferral.delivery.reminders import recipient_unsubscribe
from conferral.providers.bounces import provider_bounce, provider_reply
from conferral.providers.models import ProviderEvent
from conferral.providers.raw import client_address
from conferral.tracking.services import email_click_record, email_open_record

logger = logging.getLogger(__name__)

EVENT_ID_MAX = 255  # ProviderEvent.event_id's max_length


def provider_event_id(esp_name: str, event: Any) -> str:
    """The provider's own event id or, for providers that give none (Postmark's
    deliveries, opens and clicks, Brevo's events), one derived from what identifies
    the event: the same report sent again yields the same id."""
    if event.event_id:
        return str(event.event_id)[:EVENT_ID_MAX]
    timestamp = event.timestamp.isoformat() if event.timestamp else ""
    key = "\n".join([esp_name, str(event.message_id or ""), str(event.event_type), timestamp])
    return "derived:" + hashlib.sha256(key.encode()).hexdigest()


def _recipient_of(event: Any) -> Recipient | None:
    """The recipient whose latest message the provider names, if the address it reports
    is still the recipient's (a bounce for an address since corrected is not theirs)."""
    if not event.message_id:
        return None
    recipient = (
        Recipient.objects.filter(provider_message_id=str(event.message_id))
        .select_related("certificate")
        .first()
    )
    if recipient is None:
        return None
    if event.recipient and str(event.recipient).lower() != recipient.email.lower():
        return None
    return recipient


def provider_event_record(*, esp_name: str, event: Any) -> None:
    """Apply one anymail.signals.AnymailTrackingEvent reported by `esp_name`, unless
    it was applied before."""
    recipient = _recipient_of(event)
    seen = ProviderEvent(
        esp_name=esp_name,
        event_id=provider_event_id(esp_name, event),
        event_type=str(event.event_type)[:20],
        message_id=str(event.message_id or "")[:255],
        recipient=recipient,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                # An INSERT or nothing: the unique constraint turns a replay away.
                seen.save(force_insert=True)
        except IntegrityError:
            return
        if recipient is None:
            logger.info(
                "%s %s event for unknown message %r ignored",
                esp_name,
                event.event_type,
                event.message_id,
            )
            return
        _apply(esp_name, event, recipient)


def _apply(esp_name: str, event: Any, recipient: Recipient) -> None:
    at = event.timestamp or timezone.now()
    kind = event.event_type
    if kind == "delivered":
        provider_delivery_record(recipient=recipient, reply=provider_reply(event), at=at)
    elif kind in ("bounced", "rejected", "failed"):
        bounce = provider_bounce(esp_name, event)
        email_bounce_record(
            recipient=recipient,
            reply=bounce.reply or f"{esp_name}: {kind}",
            code=bounce.code,
            kind=bounce.kind,
            at=at,
            status=bounce.status,
            explanation=bounce.explanation,
            source=esp_name,
        )
    elif kind == "deferred":
        provider_deferral_record(recipient=recipient, reply=provider_reply(event), at=at)
    elif kind == "complained":
        email_complaint_record(
            recipient=recipient, feedback=provider_reply(event), at=at, source=esp_name
        )
    elif kind == "autoresponded":
        event_record(recipient=recipient, detail=EmailAutoReplied(), at=at)
    elif kind in ("opened", "clicked"):
        hit = email_open_record if kind == "opened" else email_click_record
        hit(
            recipient=recipient,
            user_agent=event.user_agent or "",
            client_address=client_address(esp_name, event),
        )
    elif kind == "unsubscribed":
        recipient_unsubscribe(recipient=recipient, one_click=False)
    # queued, sent, subscribed and unknown say nothing the recipient's status shows.


def provider_delivery_record(*, recipient: Recipient, reply: str, at: dt.datetime) -> bool:
    """The provider reports the message delivered. A recipient still in flight is
    delivered now; for one delivered at accept time (the usual case: the provider
    accepted it) the event is only written when it adds the receiving server's reply."""
    deliver = transition(Step.DELIVER)
    with transaction.atomic():
        moved = (
            Recipient.objects.filter(deliver.sources_q(), pk=recipient.pk).update(
                email_status=deliver.target,
                delivered_at=at,
                last_reply=reply or recipient.last_reply,
                next_attempt_at=None,
            )
            > 0
        )
        if moved or (reply and reply != recipient.last_reply):
            event_record(recipient=recipient, detail=EmailDelivered(reply=reply), at=at)
    recipient.refresh_from_db(fields=["email_status", "delivered_at", "last_reply"])
    return moved


def provider_deferral_record(*, recipient: Recipient, reply: str, at: dt.datetime) -> None:
    """The receiving server asked the provider to try again later. The provider retries
    on its own schedule, so the outbox is not touched: only the timeline says so."""
    event_record(
        recipient=recipient,
        detail=EmailDeferred(reply=reply, code=reply_code(reply), attempt=0, retry_at=None),
        at=at,
    )
