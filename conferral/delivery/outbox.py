"""The outbox is the recipient rows themselves: a row is due when `next_attempt_at` has
come, and held by a worker while its lease (`lease_owner`, `lease_until`) runs.

Work is claimed with a conditional UPDATE that must still find the row due and its lease
free (healthchecks' `sendalerts`), so the same code is race-free on SQLite and
PostgreSQL; on PostgreSQL the candidates are also picked with SKIP LOCKED so concurrent
workers do not queue behind each other. Each result is recorded in its own short
transaction, together with its event, and only if the lease is still ours; accepted
messages are recorded a small group at a time (conferral.delivery.pipeline)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from conferral.certificates.event_details import (
    EmailBounced,
    EmailDeferred,
    EmailDelivered,
    EmailSent,
)
from conferral.certificates.events import (
    Adapter,
    NewEvent,
    event_new,
    event_record,
    events_dispatch,
)
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import BounceKind, Step, bounce_kind, transition
from conferral.core.driver import driver_cursor
from conferral.core.refusals import Classification, classify
from conferral.delivery.heartbeat import heartbeats_stale
from conferral.delivery.models import MailServiceOutage, SuppressionReason
from conferral.delivery.statements import ACCEPTED_VALUES, statements
from conferral.delivery.suppression import suppression_add

CLAIMED_FIELDS = (
    "id",
    "public_id",
    "credential_id",
    "certificate_id",
    "name",
    "email",
    "attributes",
    "attempts",
    # A reminder is built as one (conferral.delivery.reminders.reminder_in_flight).
    "next_attempt_at",
    "reminder_due_at",
)
_LEASE_CLEARED = {"lease_owner": "", "lease_until": None}


DUE_FIELDS = ("next_attempt_at", "revoked_at", "lease_until", "email")
"""The fields `_due` reads (the statistics a large send refreshes: delivery.services)."""


def _due(now: dt.datetime) -> Q:
    return (
        Q(next_attempt_at__lte=now, revoked_at__isnull=True)
        & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        & ~Q(email="")
    )


def outbox_claim(
    *, lease_owner: str, limit: int, now: dt.datetime | None = None
) -> list[Recipient]:
    """Lease up to `limit` due recipients to `lease_owner` and return them, by id,
    with CLAIMED_FIELDS loaded, in one statement (`Statements.claim`)."""
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS)
    with transaction.atomic():
        candidates = Recipient.objects.filter(_due(now)).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        pick, params = candidates.values("pk")[:limit].query.sql_with_params()
        sql = statements().claim(pick, CLAIMED_FIELDS)
        claimed = list(Recipient.objects.raw(sql, [*params, lease_owner, until]))
    return sorted(claimed, key=lambda recipient: recipient.pk)


def outbox_renew(*, lease_owner: str, now: dt.datetime | None = None) -> set[int]:
    """Extend a batch's lease; returns the ids still held (a row whose lease was handed
    back or taken over is no longer ours and must not be sent)."""
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS)
    with transaction.atomic():
        Recipient.objects.filter(lease_owner=lease_owner).update(lease_until=until)
        return set(Recipient.objects.filter(lease_owner=lease_owner).values_list("pk", flat=True))


@dataclass(frozen=True, slots=True)
class Accepted:
    """A message the server accepted, at `at`, not yet recorded."""

    recipient: Recipient
    reply: str
    message_id: str
    transport: str
    provider_message_id: str = ""
    at: dt.datetime = field(default_factory=timezone.now)


def outbox_record_accepted(
    *,
    recipient: Recipient,
    lease_owner: str,
    reply: str,
    message_id: str,
    transport: str,
    provider_message_id: str = "",
) -> bool:
    """The server accepted the message (see outbox_record_accepted_group)."""
    accepted = Accepted(
        recipient=recipient,
        reply=reply,
        message_id=message_id,
        transport=transport,
        provider_message_id=provider_message_id,
    )
    return bool(outbox_record_accepted_group(accepted=[accepted], lease_owner=lease_owner))


def outbox_record_accepted_group(*, accepted: Sequence[Accepted], lease_owner: str) -> set[int]:
    """The server accepted these messages: each recipient's email status becomes
    `delivered` (a message already opened or clicked keeps that later stage), with its
    `email.sent` and `email.delivered`, in one transaction for the whole group (a
    commit per message cost more than sending it). The provider's id of the message
    (none for SMTP) replaces the previous one: the provider's webhooks find the
    recipient by it. Only the rows whose lease is still `lease_owner`'s are written;
    returns their ids."""
    if not accepted:
        return set()
    sql = statements()
    events: dict[int, tuple[NewEvent, NewEvent]] = {}
    for one in accepted:
        recipient = one.recipient
        attempt = recipient.attempts + 1
        events[recipient.pk] = (
            event_new(
                recipient=recipient,
                detail=EmailSent(
                    message_id=one.message_id, transport=one.transport, attempt=attempt
                ),
                at=one.at,
            ),
            event_new(recipient=recipient, detail=EmailDelivered(reply=one.reply), at=one.at),
        )
    # Each message's ACCEPTED_VALUES, in that order.
    rows = [(one.recipient.pk, one.at, one.reply, one.provider_message_id) for one in accepted]
    # The driver's own cursor: Django's wrapper (query rewriting, execute wrappers, debug
    # logging) would cost as much again as the statements themselves.
    cursor = driver_cursor()
    try:
        if connection.vendor == "postgresql":
            sent = [
                dict(zip(ACCEPTED_VALUES, (pk, at.isoformat(), reply, provider), strict=True))
                for pk, at, reply, provider in rows
            ]
            written_events = [
                {**event.document(), "place": place}
                for place, event in enumerate(event for pair in events.values() for event in pair)
            ]
            cursor.execute(
                sql.accepted_with_events(),
                [
                    json.dumps(sent),
                    *sql.accepted_params,
                    lease_owner,
                    json.dumps(written_events),
                ],
                prepare=True,
            )
            written = {int(pk) for (pk,) in cursor.fetchall()}
            events_dispatch(event for pk in events if pk in written for event in events[pk])
        else:
            with transaction.atomic():
                adapt = Adapter()
                params = [
                    *(value for pk, at, *rest in rows for value in (pk, adapt.datetime(at), *rest)),
                    *sql.accepted_params,
                    lease_owner,
                ]
                cursor.execute(sql.accepted(len(rows)), params)
                written = {int(pk) for (pk,) in cursor.fetchall()}
                mine = [event for pk in events if pk in written for event in events[pk]]
                if mine:
                    cursor.execute(
                        sql.events(len(mine)),
                        [value for event in mine for value in event.params(adapt)],
                    )
                    events_dispatch(mine)
    finally:
        cursor.close()
    return written


def _record_bounce(
    *,
    recipient: Recipient,
    lease_owner: str,
    reply: str,
    code: int | None,
    kind: BounceKind,
    attempts: int,
    now: dt.datetime,
    status: str = "",
    explanation: str = "",
) -> bool:
    bounce = transition(Step.BOUNCE)
    updated = Recipient.objects.filter(pk=recipient.pk, lease_owner=lease_owner).update(
        email_status=bounce.expression(),
        bounce_kind=kind,
        bounced_at=now,
        last_reply=reply,
        attempts=attempts,
        next_attempt_at=None,
        **_LEASE_CLEARED,
    )
    if updated:
        event_record(
            recipient=recipient,
            detail=EmailBounced(
                reply=reply,
                code=code,
                kind=kind.value,
                attempts=attempts,
                status=status,
                explanation=explanation,
            ),
            at=now,
        )
        if kind == BounceKind.HARD:
            suppression_add(
                organization_id=Certificate.objects.values_list("organization_id", flat=True).get(
                    pk=recipient.certificate_id
                ),
                email=recipient.email,
                reason=SuppressionReason.HARD_BOUNCE,
                detail=reply,
            )
    return bool(updated)


def outbox_record_bounced(
    *,
    recipient: Recipient,
    lease_owner: str,
    reply: str,
    code: int | None,
    classification: Classification | None = None,
) -> bool:
    """The server refused the message for good (5xx): a hard bounce, or a blocked one
    when the reply classifies as a policy refusal (conferral.core.refusals; only a
    hard one suppresses the address). The caller passes the classification it already
    made; without one the reply is classified here."""
    classification = classification or classify(code, reply)
    with transaction.atomic():
        return _record_bounce(
            recipient=recipient,
            lease_owner=lease_owner,
            reply=reply,
            code=code,
            kind=bounce_kind(classification.kind),
            attempts=recipient.attempts + 1,
            now=timezone.now(),
            status=classification.status,
            explanation=classification.explanation,
        )


def outbox_record_deferred(
    *, recipient: Recipient, lease_owner: str, reply: str, code: int | None
) -> bool:
    """Not accepted this time (4xx, a dropped or refused connection): try again after
    the next delay of SEND_RETRY_DELAYS, or give up (a soft bounce) when none is left."""
    now = timezone.now()
    attempts = recipient.attempts + 1
    delays = settings.SEND_RETRY_DELAYS
    with transaction.atomic():
        if attempts > len(delays):
            return _record_bounce(
                recipient=recipient,
                lease_owner=lease_owner,
                reply=reply,
                code=code,
                kind=BounceKind.SOFT,
                attempts=attempts,
                now=now,
            )
        retry_at = now + dt.timedelta(seconds=delays[attempts - 1])
        updated = Recipient.objects.filter(pk=recipient.pk, lease_owner=lease_owner).update(
            email_status=transition(Step.DEFER).expression(),
            attempts=attempts,
            next_attempt_at=retry_at,
            last_reply=reply,
            **_LEASE_CLEARED,
        )
        if updated:
            event_record(
                recipient=recipient,
                detail=EmailDeferred(
                    reply=reply,
                    code=code,
                    attempt=attempts,
                    max_attempts=len(delays) + 1,
                    retry_at=retry_at,
                ),
                at=now,
            )
    return bool(updated)


def outbox_record_paused(
    *, recipients: list[Recipient], lease_owner: str, outage: MailServiceOutage
) -> int:
    """Our own mail service is down (conferral.delivery.breaker): hand the recipients
    back to wait for its next probe, their attempts untouched. Each gets one
    `email.deferred` per outage (attempt 0: not counted), so its timeline says why it
    waits; a later probe that fails again moves its time on silently. Returns how many
    were still ours."""
    now = timezone.now()
    ids = [recipient.pk for recipient in recipients]
    with transaction.atomic():
        held = set(
            Recipient.objects.filter(pk__in=ids, lease_owner=lease_owner).values_list(
                "pk", flat=True
            )
        )
        Recipient.objects.filter(pk__in=held, lease_owner=lease_owner).update(
            email_status=transition(Step.DEFER).expression(),
            next_attempt_at=outage.retry_at,
            last_reply=outage.reply,
            **_LEASE_CLEARED,
        )
        told = set(
            Event.objects.filter(
                recipient_id__in=held, type=EventType.EMAIL_DEFERRED, at__gte=outage.since
            ).values_list("recipient_id", flat=True)
        )
        detail = EmailDeferred(
            reply=f"our mail server {outage.label} is unreachable ({outage.reply}); "
            "this does not count as an attempt",
            code=None,
            attempt=0,
            max_attempts=len(settings.SEND_RETRY_DELAYS) + 1,
            retry_at=outage.retry_at,
        )
        for recipient in recipients:
            if recipient.pk in held and recipient.pk not in told:
                event_record(recipient=recipient, detail=detail, at=now)
    return len(held)


@dataclass(frozen=True)
class SweepResult:
    released: int
    due: bool
    active: bool


def outbox_release_dead(*, now: dt.datetime | None = None) -> int:
    """Hand back the leases of the workers whose heartbeat stopped, without waiting for
    the leases to run out; how many rows."""
    released = 0
    for worker_id in heartbeats_stale(now=now):
        # Its lease owners are "<worker id>:<batch>" (conferral.delivery.pipeline).
        released += Recipient.objects.filter(
            next_attempt_at__isnull=False, lease_owner__startswith=f"{worker_id}:"
        ).update(**_LEASE_CLEARED)
    return released


def outbox_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Hand back the expired leases of crashed workers, and at once those of workers
    whose heartbeat stopped (conferral.delivery.heartbeat), and tell whether due work is
    waiting with no worker holding a lease (nobody is going to pick it up)."""
    now = now or timezone.now()
    pending = Recipient.objects.filter(next_attempt_at__isnull=False)
    with transaction.atomic():
        released = pending.filter(lease_until__lt=now).update(**_LEASE_CLEARED)
    released += outbox_release_dead(now=now)
    active = pending.filter(lease_until__gte=now).exists()
    due = Recipient.objects.filter(_due(now)).exists()
    return SweepResult(released=released, due=due, active=active)


def outbox_next_retry(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the earliest pending recipient becomes due, if that is in the future."""
    now = now or timezone.now()
    return (
        Recipient.objects.filter(next_attempt_at__gt=now, revoked_at__isnull=True)
        .exclude(email="")
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
