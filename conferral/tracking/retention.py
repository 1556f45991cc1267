"""Event retention: events older than their organization keeps them are deleted.

An organization keeps its events for `event_retention_days` (empty: the installation's
EVENT_RETENTION_DAYS; 0: forever). `events_prune` is the one service that deletes them,
run by every worker about hourly (`events_pruner`) and by `conferral events prune`.
Only events go: the recipients' status columns, which the lists, statistics, tallies
and statuses read, stay as they are.

The delete walks the event table by primary key, EVENT_PRUNE_BATCH ids per DELETE in a
transaction of its own, so SQLite's single write lock is held for a few milliseconds at
a time and a send running alongside carries on between two batches (the pruner pauses
for it, and checkpoints the log itself: bench/prune.py measures the longest wait).
Events are written in about the order they happen, so once a whole range is younger
than the cutoff the walk stops: an event written late (a provider's report of an
older delivery) goes at a later run. Several workers pruning at once delete the same
rows at most once each, the other's DELETE finds nothing: no claim is needed.

Before it deletes, the service stores the cutoff as the organization's
`events_pruned_before` (only ever later), so a recipient's timeline can say cheaply,
without reading its events, that its beginning was removed (`pruned_before`)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Min, Q
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Event, Recipient

logger = logging.getLogger(__name__)

EVENT_PRUNE_BATCH = 5_000  # ids per DELETE
EVENT_PRUNE_SECONDS = 3600.0  # how often every worker prunes
# A pause between two deletes that removed something, so a writer waiting for SQLite's
# lock gets it first: as long as the longest sleep of SQLite's busy handler (100 ms),
# or the waiting writer might sleep through the gap and wait for the next batch too.
EVENT_PRUNE_PAUSE_SECONDS = 0.1

# The recipient's columns that record when something happened to it: the earliest one
# set is when its timeline began.
_HAPPENED_COLUMNS = (
    "first_sent_at",
    "delivered_at",
    "opened_at",
    "machine_opened_at",
    "clicked_at",
    "machine_clicked_at",
    "bounced_at",
    "unsubscribed_at",
    "claimed_at",
    "viewed_at",
    "downloaded_at",
    "linkedin_added_at",
    "revoked_at",
)


def retention_days(organization: Organization) -> int:
    """How many days the organization keeps its events; 0: forever."""
    if organization.event_retention_days is not None:
        return organization.event_retention_days
    return int(settings.EVENT_RETENTION_DAYS)


@dataclass(frozen=True)
class PruneGroup:
    """The organizations that keep their events for the same number of days."""

    days: int
    cutoff: dt.datetime
    organizations: int
    removed: int


@dataclass(frozen=True)
class PruneReport:
    groups: tuple[PruneGroup, ...]
    dry_run: bool

    @property
    def removed(self) -> int:
        return sum(group.removed for group in self.groups)


def _keeping(days: int | None) -> Q:
    """The organizations whose own setting is `days` (None: the installation's)."""
    if days is None:
        return Q(event_retention_days__isnull=True)
    return Q(event_retention_days=days)


def _checkpoint() -> None:
    """SQLite only: copy the batch just deleted from the write-ahead log back into the
    database here, in the pruner. Left to the automatic checkpoint, the copy of a log
    grown by many batches would run inside some other writer's commit (a send's) and
    stall it for seconds. (Inside a caller's transaction there is nothing to copy yet.)"""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _next_id(start: int) -> int | None:
    return Event.objects.filter(pk__gte=start).order_by("pk").values_list("pk", flat=True).first()


def _prune_group(organizations: Q, cutoff: dt.datetime, *, top: int, dry_run: bool) -> int:
    """Delete (or count) the events of `organizations` before `cutoff`, range by range
    up to the id `top`, until a range holds only younger events."""
    certificates = Certificate.objects.filter(
        organization__in=Organization.objects.filter(organizations)
    ).values("pk")
    removed = 0
    low = _next_id(0)
    while low is not None and low <= top:
        high = low + EVENT_PRUNE_BATCH
        span = Event.objects.filter(pk__gte=low, pk__lt=high)
        due = span.filter(at__lt=cutoff, certificate_id__in=certificates)
        found = due.count() if dry_run else due.delete()[0]
        removed += found
        if not found:
            oldest = span.aggregate(oldest=Min("at"))["oldest"]
            if oldest is not None and oldest >= cutoff:
                break
        elif not dry_run:
            _checkpoint()
            time.sleep(EVENT_PRUNE_PAUSE_SECONDS)
        low = _next_id(high)
    return removed


def events_prune(*, dry_run: bool = False, now: dt.datetime | None = None) -> PruneReport:
    """Delete every event older than its organization keeps events (`dry_run`: only
    count them). Each group of organizations with the same retention is pruned in
    turn; a group that keeps its events forever is left alone."""
    now = now or timezone.now()
    top = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    own: set[int] = {
        days
        for days in Organization.objects.values_list("event_retention_days", flat=True)
        .distinct()
        .order_by()
        if days is not None
    }
    groups = []
    kept: list[int | None] = [None, *sorted(own)]  # None: the installation's default
    for setting in kept:
        days = int(settings.EVENT_RETENTION_DAYS) if setting is None else int(setting)
        organizations = _keeping(setting)
        count = Organization.objects.filter(organizations).count()
        if not days or not count:
            continue
        cutoff = now - dt.timedelta(days=days)
        if not dry_run:
            Organization.objects.filter(organizations).filter(
                Q(events_pruned_before__isnull=True) | Q(events_pruned_before__lt=cutoff)
            ).update(events_pruned_before=cutoff)
        removed = (
            0 if top is None else _prune_group(organizations, cutoff, top=top, dry_run=dry_run)
        )
        groups.append(PruneGroup(days=days, cutoff=cutoff, organizations=count, removed=removed))
    return PruneReport(groups=tuple(groups), dry_run=dry_run)


def pruned_before(recipient: Recipient) -> dt.datetime | None:
    """The time before which the recipient's events were pruned, when its timeline
    began before it (its earliest status column); None when nothing of it was. Reads
    only the recipient and its organization, never the events."""
    organization = recipient.certificate.organization
    cutoff = organization.events_pruned_before
    if cutoff is None:
        return None
    happened = [getattr(recipient, name) for name in _HAPPENED_COLUMNS]
    began = min((at for at in happened if at is not None), default=None)
    return cutoff if began is not None and began < cutoff else None


def events_pruner(stop: threading.Event) -> None:
    """The worker's companion (conferral.delivery.worker): prune now, then every
    EVENT_PRUNE_SECONDS until `stop`."""
    while True:
        try:
            report = events_prune()
            if report.removed:
                logger.info("Pruned %s event(s) past their retention", report.removed)
        except (OperationalError, InterfaceError) as exc:
            logger.error("Database connection lost, pruning events again later: %s", exc)
        except Exception:
            logger.exception("Pruning events failed; trying again later")
        finally:
            connection.close()
        if stop.wait(EVENT_PRUNE_SECONDS):
            return
