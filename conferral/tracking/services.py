"""Recording events. Callers write the recipient's status columns and the event in the
same transaction, so lists and statistics never need to scan this table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from conferral.certificates.models import Recipient
from conferral.core.signing import client_hash
from conferral.tracking.models import Event, EventType

USER_AGENT_MAX = 400


def event_build(
    *,
    recipient: Recipient,
    type: EventType | str,
    at: dt.datetime | None = None,
    channel: str = "",
    machine: bool = False,
    user_agent: str = "",
    client_address: str = "",
    detail: dict[str, Any] | None = None,
) -> Event:
    """An unsaved event, for callers that insert many with bulk_create."""
    return Event(
        recipient_id=recipient.pk,
        certificate_id=recipient.certificate_id,
        type=EventType(type),
        at=at or timezone.now(),
        channel=channel,
        machine=machine,
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        client_hash=client_hash(client_address),
        detail=detail or {},
    )


def event_record(
    *,
    recipient: Recipient,
    type: EventType | str,
    at: dt.datetime | None = None,
    channel: str = "",
    machine: bool = False,
    user_agent: str = "",
    client_address: str = "",
    detail: dict[str, Any] | None = None,
) -> Event:
    event = event_build(
        recipient=recipient,
        type=type,
        at=at,
        channel=channel,
        machine=machine,
        user_agent=user_agent,
        client_address=client_address,
        detail=detail,
    )
    event.save()
    return event
