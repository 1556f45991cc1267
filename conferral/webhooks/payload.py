"""What a webhook says: the event types an endpoint may ask for, and payload v1, the
JSON body of a push and an item of the polling trigger alike.

The types follow the event vocabulary (conferral.certificates.models.EventType); the
ones of the sending pipeline's inner steps (queued, sent, deferred…) and the views and
verifications that repeat are not offered. Payload v1:

    {"id": "evt_…", "version": 1, "type": "credential.claimed",
     "occurred_at": "2026-12-01T14:00:00.123456+00:00", "channel": "email",
     "machine": false, "recipient": {...}, "certificate": {...}, "detail": {...}}

`id` is derived from the event itself, so a push and a poll of one event carry the
same id (a tool that both polls and subscribes can tell repeats)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conferral.certificates.models import Certificate, EventType, Recipient

VERSION = 1
FOLD_KEYS = frozenset({"count", "last_at"})  # see conferral.certificates.events.event_fold

WEBHOOK_TYPES: tuple[str, ...] = tuple(
    kind.value
    for kind in (
        EventType.EMAIL_DELIVERED,
        EventType.EMAIL_BOUNCED,
        EventType.EMAIL_COMPLAINED,
        EventType.EMAIL_OPENED,
        EventType.EMAIL_CLICKED,
        EventType.CREDENTIAL_CLAIMED,
        EventType.CREDENTIAL_DOWNLOADED,
        EventType.CREDENTIAL_SHARED,
        EventType.CREDENTIAL_LINKEDIN_ADDED,
        EventType.CREDENTIAL_REVOKED,
        EventType.CREDENTIAL_REISSUED,
    )
)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What a payload is made of, as a delivery row or an event row holds it."""

    type: str
    recipient_id: int
    certificate_id: int
    occurred_at: dt.datetime
    channel: str
    machine: bool
    detail: Mapping[str, Any]


def event_id(facts: EventFacts) -> str:
    at = facts.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    key = f"{facts.recipient_id}|{facts.type}|{at}|{facts.channel}|{facts.machine}"
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def payloads_build(facts: Iterable[EventFacts]) -> list[dict[str, Any]]:
    """The payload of each event, in order, reading its recipients and certificates
    with one query each."""
    facts = list(facts)
    recipients = {
        row["pk"]: row
        for row in Recipient.objects.filter(pk__in={f.recipient_id for f in facts}).values(
            "pk", "public_id", "credential_id", "name", "email"
        )
    }
    certificates = {
        row["pk"]: row
        for row in Certificate.objects.filter(pk__in={f.certificate_id for f in facts}).values(
            "pk", "public_id", "name", "kind"
        )
    }
    return [
        _payload(f, recipients.get(f.recipient_id), certificates.get(f.certificate_id))
        for f in facts
    ]


def _payload(
    facts: EventFacts, recipient: Mapping[str, Any] | None, certificate: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": event_id(facts),
        "version": VERSION,
        "type": facts.type,
        "occurred_at": facts.occurred_at.astimezone(dt.UTC).isoformat(),
        "channel": facts.channel,
        "machine": facts.machine,
        "recipient": {
            "id": recipient["public_id"],
            "credential_id": recipient["credential_id"],
            "name": recipient["name"],
            "email": recipient["email"],
        }
        if recipient
        else None,
        "certificate": {
            "id": certificate["public_id"],
            "name": certificate["name"],
            "kind": certificate["kind"],
        }
        if certificate
        else None,
        # A folded repeat's count is not news to a webhook: a poll says what a push said.
        "detail": {key: value for key, value in facts.detail.items() if key not in FOLD_KEYS},
    }


def body_of(payload: Mapping[str, Any]) -> str:
    """The bytes that are signed and sent: compact JSON, non-ASCII kept."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
