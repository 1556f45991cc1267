"""What one batch of hits (conferral.tracking.hits) holds while it walks them, and how it
reads its recipients and writes what changed: the rules decide, this module keeps.

- `recipients_locked` reads the batch's recipients once, locked (SELECT … FOR UPDATE
  on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write lock).
- `Batch` keeps the events to write, the machine opens later hits may fold into, each
  client's opens and clicks for the sequence rules, and the recipients that changed.
- `batch_write` writes the stored events found to be a machine's, recomputes the
  recipients they belong to, and writes the changed recipients and the folded events,
  each an executemany (conferral.tracking.statements)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from conferral.certificates.event_details import EmailOpened
from conferral.certificates.events import NewEvent
from conferral.certificates.models import EventType, Recipient
from conferral.certificates.status import Step, engagement_status, transition
from conferral.core.signing import client_hash
from conferral.tracking import sequence
from conferral.tracking.sequence import Seen
from conferral.tracking.statements import (
    HIT_COLUMNS,
    event_detail_update_sql,
    hit_columns_update_sql,
)

_MOMENTS = frozenset({"opened_at", "machine_opened_at", "clicked_at", "machine_clicked_at"})


@dataclass(slots=True)
class Fold:
    """A machine open event that later hits of the batch may count into: one already
    stored (`pk`) or one this batch writes (`index` into the new events)."""

    at: dt.datetime
    detail: EmailOpened
    pk: int | None = None
    index: int | None = None


@dataclass(slots=True)
class Batch:
    """One batch's state: its locked recipients, the events it will write, and what the
    rules need to know of the hits before the one at hand."""

    recipients: dict[str, Recipient]
    new: list[NewEvent | None] = field(default_factory=list)
    folds: dict[tuple[int, str], list[Fold]] = field(default_factory=dict)
    folded: dict[int, Fold] = field(default_factory=dict)
    changed: dict[int, Recipient] = field(default_factory=dict)
    # Each client's opens and clicks of a recipient's message (conferral.tracking.sequence),
    # the stored events found to be a machine's, the recipients to recompute.
    seen: dict[sequence.Key, list[Seen]] = field(default_factory=dict)
    reclassified: dict[int, Seen] = field(default_factory=dict)
    recompute: set[int] = field(default_factory=set)
    # The stored opens inferred by stored clicks found to be a machine's, not read (a
    # click's inferred open has its client and its time): recipient, client, time, reason.
    inferred: list[tuple[int, str, dt.datetime, str]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # client_hash by client address

    def code(self, address: str) -> str:
        code = self.codes.get(address)
        if code is None:
            code = self.codes[address] = client_hash(address)
        return code

    def change(self, recipient: Recipient, name: str, value: object) -> None:
        setattr(recipient, name, value)
        self.changed[recipient.pk] = recipient

    def set_once(self, recipient: Recipient, name: str, at: dt.datetime) -> bool:
        """Set a moment column that is still empty; whether it was."""
        if getattr(recipient, name) is not None:
            return False
        self.change(recipient, name, at)
        return True

    def earliest(self, recipient: Recipient, name: str, at: dt.datetime) -> None:
        """Set a moment column to `at` unless it holds an earlier one."""
        current = getattr(recipient, name)
        if current is None or at < current:
            self.change(recipient, name, at)

    def move(self, recipient: Recipient, step: Step) -> None:
        """Move the email status by `step` (conferral.certificates.status)."""
        status = transition(step).apply(recipient.email_status)
        if status != recipient.email_status:
            self.change(recipient, "email_status", status.value)


def batch_write(batch: Batch) -> None:
    """The stored events found to be a machine's, the recipients that changed (those
    recomputed in between) and the stored events that folded, each an executemany."""
    ops = connection.ops
    with connection.cursor() as cursor:
        sequence.verdicts_write(cursor, batch.reclassified.items(), batch.inferred)
        _recompute(batch)
        if batch.changed:
            rows = [
                (
                    *(
                        ops.adapt_datetimefield_value(getattr(r, name))
                        if name in _MOMENTS
                        else getattr(r, name)
                        for name in HIT_COLUMNS
                    ),
                    r.pk,
                )
                for r in batch.changed.values()
            ]
            cursor.executemany(hit_columns_update_sql(), rows)
        if batch.folded:
            details = [
                (ops.adapt_json_value(fold.detail.to_json(), None), pk)
                for pk, fold in batch.folded.items()
            ]
            cursor.executemany(event_detail_update_sql(), details)


def recipients_locked(public_ids: set[str]) -> dict[str, Recipient]:
    """The batch's recipients by public id, locked until the transaction ends."""
    rows = (
        Recipient.objects.select_for_update()
        # An erased recipient's hits record nothing (conferral.certificates.erasure).
        .filter(public_id__in=public_ids, erased_at__isnull=True)
        .order_by("pk")
        .only(
            "pk",
            "public_id",
            "certificate_id",
            "delivered_at",
            "first_sent_at",
            *HIT_COLUMNS,
        )
    )
    return {row.public_id: row for row in rows}


def _recompute(batch: Batch) -> None:
    """The first open and click and the email status of each recipient that had hits
    found to be a machine's, from the events that remain a person's: the stored ones
    (read once, after the changed verdicts are written) and this batch's."""
    if not batch.recompute:
        return
    firsts = sequence.human_firsts(batch.recompute, batch.new)
    for recipient in batch.recipients.values():
        if recipient.pk not in batch.recompute:
            continue
        opened = firsts.get((recipient.pk, EventType.EMAIL_OPENED.value))
        clicked = firsts.get((recipient.pk, EventType.EMAIL_CLICKED.value))
        if recipient.opened_at != opened:
            batch.change(recipient, "opened_at", opened)
        if recipient.clicked_at != clicked:
            batch.change(recipient, "clicked_at", clicked)
        status = engagement_status(
            recipient.email_status, opened=opened is not None, clicked=clicked is not None
        )
        if status != recipient.email_status:
            batch.change(recipient, "email_status", status.value)
