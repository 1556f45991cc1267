"""What a webhook says: the event types an endpoint may ask for, and payload v1, the
JSON body of a push and an item of the polling trigger alike.

The types follow the event vocabulary (conferral.certificates.models.EventType); the
ones of the sending pipeline's inner steps (queued, sent, deferred…) and the views and
verifications that repeat are not offered. One type is not an event: `recipient.created`
comes from the recipients added (conferral.certificates.created), which write no event
rows, so it is pushed but never polled. An erased recipient's payload names its ids
only. Payload v1:

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

from django.utils.translation import gettext_lazy

from conferral.certificates.models import Certificate, EventType, Recipient

VERSION = 1
FOLD_KEYS = frozenset({"count", "last_at"})  # see conferral.certificates.events.event_fold

RECIPIENT_CREATED = "recipient.created"  # no event row: conferral.certificates.created
WEBHOOK_TYPES: tuple[str, ...] = (
    *(
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
            EventType.CREDENTIAL_ERASED,
        )
    ),
    RECIPIENT_CREATED,
)
LABELS: dict[str, Any] = {RECIPIENT_CREATED: gettext_lazy("Recipient added")}


def type_label(kind: str) -> str:
    """The type's name for people, in the current language."""
    return str(LABELS[kind] if kind in LABELS else EventType(kind).label)


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
            "pk", "public_id", "credential_id", "name", "email", "erased_at"
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
        "recipient": _recipient(recipient) if recipient else None,
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


def _recipient(recipient: Mapping[str, Any]) -> dict[str, Any]:
    ids = {"id": recipient["public_id"], "credential_id": recipient["credential_id"]}
    if recipient["erased_at"] is not None:
        return {**ids, "erased": True}
    return {**ids, "name": recipient["name"], "email": recipient["email"]}


def body_of(payload: Mapping[str, Any]) -> str:
    """The bytes that are signed and sent: compact JSON, non-ASCII kept."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
