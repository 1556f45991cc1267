"""Automatic reminders to recipients who have not claimed their credential, and the
unsubscribe that ends them.

The state is in the recipient rows, so a restarted worker carries on where the last one
stopped: `reminder_due_at` says when the next reminder is due (empty: none planned),
`reminders_sent` how many were queued. The sweeper calls `reminders_sweep`:

- every few cycles, and when a worker starts (conferral.delivery.worker), it plans: a
  reminder-eligible recipient without a due time gets one, computed by
  `next_reminder_at` from their last delivery (read through the (certificate, email
  status) index, for the certificates that have reminders);
- every cycle it queues what is due (read through the partial index on
  `reminder_due_at`): each is checked again against the row and its certificate as they
  are now, then either queued through the outbox like a resend, planned later (a
  message went out since), or dropped (claimed, unsubscribed, bounced, revoked,
  suppressed, limit reached, deadline passed, reminders switched off).

A queued reminder keeps its `reminder_due_at`, at or before its `next_attempt_at` (a
retry only moves that later): that is how the deliver loop knows the message it builds
is a reminder (`reminder_in_flight`). Once it is delivered, the next sweep plans the one
after it from the new delivery time. docs/reminders.md has the rules in full."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.event_details import EmailQueued, EmailUnsubscribed
from conferral.certificates.events import event_record, events_insert
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import DELIVERED, EmailStatus, Step, transition
from conferral.delivery.suppression import normalized, suppressed_among

REMINDABLE = frozenset(DELIVERED - {EmailStatus.COMPLAINED})
"""Delivered and not bounced or complained about since: the statuses a reminder
follows."""
SWEEP_CHUNK = 1000
# One sweep plans and queues at most this many recipients; the rest waits for the next
# cycle, so a sweep stays short however large a send was.
PLAN_LIMIT = 20_000
QUEUE_LIMIT = 5_000
_CANDIDATE_FIELDS = (
    "pk",
    "certificate_id",
    "email",
    "email_status",
    "delivered_at",
    "claimed_at",
    "revoked_at",
    "unsubscribed_at",
    "reminders_sent",
    "next_attempt_at",
)


INTERVAL_DAYS_MAX = 365
LIMIT_MAX = 10


def reminder_settings_check(
    *,
    interval_days: int | None,
    limit: int,
    claim_deadline: dt.date | None,
    issue_date: dt.date | None,
) -> None:
    """Refuse reminder settings that make no sense (ValidationError, by field): the
    dashboard's form and the API both ask here before a certificate is saved."""
    errors: dict[str, str] = {}
    if interval_days is not None and not 1 <= interval_days <= INTERVAL_DAYS_MAX:
        errors["reminder_interval_days"] = _(
            "Remind after 1 to %(max)s days, or leave it empty for no reminders."
        ) % {"max": INTERVAL_DAYS_MAX}
    if not 1 <= limit <= LIMIT_MAX:
        errors["reminder_limit"] = _("Send 1 to %(max)s reminders.") % {"max": LIMIT_MAX}
    if claim_deadline is not None and issue_date is not None and claim_deadline < issue_date:
        errors["claim_deadline"] = _("The claim deadline cannot be before the issue date.")
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class ReminderSweep:
    planned: int = 0
    queued: int = 0
    dropped: int = 0


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def deadline_reminder_at(deadline: dt.date) -> dt.datetime:
    """When the last reminder before a claim deadline is due: the start of the day
    REMINDER_DEADLINE_DAYS before it (in the project's time zone)."""
    return _start_of(deadline - dt.timedelta(days=settings.REMINDER_DEADLINE_DAYS))


def deadline_end(deadline: dt.date) -> dt.datetime:
    """The end of the deadline day: no reminder goes out from then on."""
    return _start_of(deadline + dt.timedelta(days=1))


def next_reminder_at(
    *, last_message_at: dt.datetime, interval_days: int, deadline: dt.date | None
) -> dt.datetime | None:
    """When the next reminder is due after a message delivered at `last_message_at`:
    `interval_days` later, pulled forward to the deadline reminder's time if no
    message went out since then, and none at all if that falls after the deadline."""
    due = last_message_at + dt.timedelta(days=interval_days)
    if deadline is None:
        return due
    pull = deadline_reminder_at(deadline)
    if last_message_at < pull < due:
        due = pull
    return due if due < deadline_end(deadline) else None


def _eligible() -> Q:
    """A recipient a reminder may follow (their certificate aside), but for one thing:
    no message may be on its way to them (`_idle`). The sweeps read without that term,
    which would steer the query planner to the outbox index (nearly every row has no
    `next_attempt_at`), skip such rows themselves, and write with it."""
    return Q(
        email_status__in=REMINDABLE,
        claimed_at__isnull=True,
        revoked_at__isnull=True,
        unsubscribed_at__isnull=True,
        delivered_at__isnull=False,
    ) & ~Q(email="")


def _idle() -> Q:
    return Q(next_attempt_at__isnull=True)


def _reminding(now: dt.datetime) -> QuerySet[Certificate]:
    """The certificates whose recipients may be reminded now."""
    return Certificate.objects.filter(
        reminder_interval_days__isnull=False,
        reminder_interval_days__gt=0,
        reminder_limit__gt=0,
        archived_at__isnull=True,
    ).filter(Q(claim_deadline__isnull=True) | Q(claim_deadline__gte=timezone.localdate(now)))


def plan_candidates(certificate: Certificate) -> QuerySet[Recipient]:
    """The certificate's recipients who may be reminded and have no due time yet, read
    through the (certificate, email status) index. With a claim deadline, those whose
    next reminder would come after it are left out (`next_reminder_at` is None exactly
    for a last message at or after both the deadline reminder and the deadline's end
    less the interval)."""
    rows = Recipient.objects.filter(
        _eligible(),
        certificate_id=certificate.pk,
        reminder_due_at__isnull=True,
        reminders_sent__lt=certificate.reminder_limit,
    )
    if certificate.claim_deadline is not None and certificate.reminder_interval_days:
        interval = dt.timedelta(days=certificate.reminder_interval_days)
        deadline = certificate.claim_deadline
        latest = max(deadline_reminder_at(deadline), deadline_end(deadline) - interval)
        rows = rows.filter(delivered_at__lt=latest)
    return rows.order_by()


def due_candidates(now: dt.datetime) -> QuerySet[Recipient]:
    """The recipients whose reminder is due, earliest first, read through the partial
    index on `reminder_due_at`. A reminder on its way (`reminder_in_flight`) is left out
    by a term the outbox index cannot serve; another message on its way is skipped by
    the caller."""
    on_its_way = Q(next_attempt_at__isnull=False, next_attempt_at__gte=F("reminder_due_at"))
    return (
        Recipient.objects.filter(reminder_due_at__lte=now)
        .exclude(on_its_way)
        .order_by("reminder_due_at", "pk")
    )


def _plan(now: dt.datetime, budget: int) -> int:
    """Give each eligible recipient without a due time one."""
    planned = 0
    for certificate in _reminding(now).only(
        "pk", "reminder_interval_days", "reminder_limit", "claim_deadline"
    ):
        interval = certificate.reminder_interval_days
        assert interval is not None  # filtered above
        rows = plan_candidates(certificate).values_list("pk", "delivered_at", "next_attempt_at")
        by_due: dict[dt.datetime, list[int]] = defaultdict(list)
        for pk, delivered_at, next_attempt_at in rows[: budget - planned]:
            if next_attempt_at is not None:
                continue  # planned once that message is delivered
            assert delivered_at is not None  # filtered by _eligible()
            due = next_reminder_at(
                last_message_at=delivered_at,
                interval_days=interval,
                deadline=certificate.claim_deadline,
            )
            assert due is not None  # filtered by plan_candidates()
            # To the next whole minute: never early, and the recipients of one send
            # share a few due times, so few UPDATEs.
            by_due[_minute_up(due)].append(pk)
        for due, pks in by_due.items():
            for start in range(0, len(pks), SWEEP_CHUNK):
                planned += Recipient.objects.filter(
                    _eligible(),
                    _idle(),
                    pk__in=pks[start : start + SWEEP_CHUNK],
                    reminder_due_at__isnull=True,
                ).update(reminder_due_at=due)
        if planned >= budget:
            break
    return planned


def _minute_up(moment: dt.datetime) -> dt.datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + dt.timedelta(minutes=1)


@dataclass(frozen=True)
class _Settings:
    interval: int | None
    limit: int
    deadline: dt.date | None
    archived: bool
    organization_id: int


def _settings_of(certificate_ids: set[int]) -> dict[int, _Settings]:
    rows = Certificate.objects.filter(pk__in=certificate_ids).values_list(
        "pk",
        "reminder_interval_days",
        "reminder_limit",
        "claim_deadline",
        "archived_at",
        "organization_id",
    )
    return {
        pk: _Settings(interval, limit, deadline, archived_at is not None, organization_id)
        for pk, interval, limit, deadline, archived_at, organization_id in rows
    }


def _decide(row: dict[str, Any], rules: _Settings, now: dt.datetime) -> dt.datetime | None:
    """When this recipient's reminder is due, as things are now (None: no reminder)."""
    if rules.archived or not rules.interval or row["reminders_sent"] >= rules.limit:
        return None
    if rules.deadline is not None and now >= deadline_end(rules.deadline):
        return None
    if (
        row["email_status"] not in REMINDABLE
        or not row["email"]
        or row["delivered_at"] is None
        or row["claimed_at"] is not None
        or row["revoked_at"] is not None
        or row["unsubscribed_at"] is not None
    ):
        return None
    return next_reminder_at(
        last_message_at=row["delivered_at"], interval_days=rules.interval, deadline=rules.deadline
    )


def _queue(certificate_id: int, limit: int, pks: list[int], now: dt.datetime) -> int:
    """Queue reminders for `pks` through the outbox, with their `email.queued` events;
    a row that changed since it was read (a claim, an unsubscribe) is left alone."""
    with transaction.atomic():
        locked = list(
            Recipient.objects.filter(
                _eligible(),
                _idle(),
                pk__in=pks,
                reminder_due_at__lte=now,
                reminders_sent__lt=limit,
            )
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not locked:
            return 0
        Recipient.objects.filter(pk__in=locked).update(
            email_status=transition(Step.QUEUE).expression(),
            bounce_kind="",
            next_attempt_at=now,
            attempts=0,
            reminders_sent=F("reminders_sent") + 1,
        )
        events_insert(
            recipient_ids=locked,
            certificate_id=certificate_id,
            detail=EmailQueued(resend=True, reminder=True),
            at=now,
        )
    return len(locked)


def _suppressed(rows: list[dict[str, Any]], rules: dict[int, _Settings]) -> set[tuple[int, str]]:
    """(organization, address) of the rows whose address is on the suppression list."""
    by_organization: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        by_organization[rules[row["certificate_id"]].organization_id].append(row["email"])
    return {
        (organization_id, address)
        for organization_id, emails in by_organization.items()
        for address in suppressed_among(organization_id, emails)
    }


def _queue_due(now: dt.datetime, budget: int) -> tuple[int, int]:
    """Queue the reminders that are due; returns how many were queued and dropped."""
    queued = dropped = 0
    seen = 0
    after = Q()
    while seen < budget:
        rows = list(
            due_candidates(now)
            .filter(after)
            .values(*_CANDIDATE_FIELDS, "reminder_due_at")[: min(SWEEP_CHUNK, budget - seen)]
        )
        if not rows:
            break
        last_due, last_pk = rows[-1]["reminder_due_at"], rows[-1]["pk"]
        after = Q(reminder_due_at__gt=last_due) | Q(reminder_due_at=last_due, pk__gt=last_pk)
        # A reminder on its way waits for its delivery (and then for the next sweep).
        rows = [row for row in rows if row["next_attempt_at"] is None]
        seen += len(rows)
        rules = _settings_of({row["certificate_id"] for row in rows})
        suppressed = _suppressed(rows, rules)
        due_now: dict[int, list[int]] = defaultdict(list)
        later: dict[dt.datetime, list[int]] = defaultdict(list)
        drop: list[int] = []
        for row in rows:
            certificate = rules[row["certificate_id"]]
            due = _decide(row, certificate, now)
            if (certificate.organization_id, normalized(row["email"])) in suppressed:
                due = None
            if due is None:
                drop.append(row["pk"])
            elif due <= now:
                due_now[row["certificate_id"]].append(row["pk"])
            else:
                later[_minute_up(due)].append(row["pk"])
        if drop:
            dropped += Recipient.objects.filter(pk__in=drop, next_attempt_at__isnull=True).update(
                reminder_due_at=None
            )
        for due, pks in later.items():
            Recipient.objects.filter(pk__in=pks, next_attempt_at__isnull=True).update(
                reminder_due_at=due
            )
        for certificate_id, pks in due_now.items():
            queued += _queue(certificate_id, rules[certificate_id].limit, pks, now)
    return queued, dropped


def reminders_sweep(*, now: dt.datetime | None = None, plan: bool = True) -> ReminderSweep:
    """Plan the reminders that became known (unless `plan` is False: planning reads
    every delivered recipient of the certificates with reminders, so the sweeper does
    it only every few cycles) and queue the ones that are due (every cycle: it reads
    only those). The caller starts the deliver task for what was queued."""
    now = now or timezone.now()
    planned = _plan(now, PLAN_LIMIT) if plan else 0
    queued, dropped = _queue_due(now, QUEUE_LIMIT)
    return ReminderSweep(planned=planned, queued=queued, dropped=dropped)


def reminder_in_flight(recipient: Recipient) -> bool:
    """Whether the message being sent to `recipient` (a claimed outbox row) is a
    reminder: its due time is at or before its send time (see the module's docstring)."""
    due, send = recipient.reminder_due_at, recipient.next_attempt_at
    return due is not None and send is not None and due <= send


def recipient_unsubscribe(*, recipient: Recipient, one_click: bool) -> bool:
    """No more reminders to this recipient (the email's List-Unsubscribe). True if this
    call unsubscribed them; a second time changes and records nothing. The issuer can
    still send the email again by hand, and the credential can still be claimed."""
    now = timezone.now()
    with transaction.atomic():
        changed = Recipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=now, reminder_due_at=None
        )
        if changed:
            event_record(recipient=recipient, detail=EmailUnsubscribed(one_click=one_click), at=now)
    recipient.refresh_from_db(fields=["unsubscribed_at", "reminder_due_at"])
    return bool(changed)
