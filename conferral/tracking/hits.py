"""The rules of an open and a click, applied to many hits at once: the one home of what a
hit changes. `email_open_record` and `email_click_record` apply one hit through here;
the journal drainer (conferral.tracking.journal) applies hundreds per transaction.

A batch reads its recipients once, locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE already holds the write lock), so what it reads cannot change before it
writes. It then walks the hits in the order they came, exactly as one service call per
hit would, and writes the result with a few statements: one bulk UPDATE of the
recipients that changed, one of the events that folded, one of the new events (each an
executemany, conferral.tracking.statements).

- A person's open sets `opened_at` once and moves the email status (Step.OPEN); a
  machine's sets `machine_opened_at` once, and its repeats are folded into its first
  event (`event_fold`'s rule: same client, machine verdict, within
  settings.EVENT_FOLD_SECONDS); a person's opens each keep their event.
- A person's click sets `clicked_at` once, moves the status (Step.CLICK), and the first
  click without a recorded open also sets `opened_at` with an `inferred` open event.
- Each hit is judged by `machine_verdict` against the recipient's delivery and the
  hit's own time, not the time it is applied.
- A hit for an unknown recipient records nothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection, transaction

from conferral.certificates.event_details import EmailClicked, EmailOpened
from conferral.certificates.events import NewEvent, event_new, events_write
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import Step, transition
from conferral.core.signing import client_hash
from conferral.tracking.links import CLICK, OPEN
from conferral.tracking.machine import machine_verdict
from conferral.tracking.statements import (
    HIT_COLUMNS,
    event_detail_update_sql,
    hit_columns_update_sql,
)

logger = logging.getLogger(__name__)

KINDS = frozenset({OPEN, CLICK})


@dataclass(frozen=True, slots=True)
class Hit:
    """One fetch of the pixel (`kind` OPEN) or of the click link (CLICK)."""

    kind: str
    public_id: str
    at: dt.datetime
    user_agent: str = ""
    client_address: str = ""
    method: str = "GET"


@dataclass(slots=True)
class _Fold:
    """A machine open event that later hits of the batch may count into: one already
    stored (`pk`) or one this batch writes (`index` into the new events)."""

    at: dt.datetime
    detail: EmailOpened
    pk: int | None = None
    index: int | None = None


@dataclass(slots=True)
class _Batch:
    recipients: dict[str, Recipient]
    new: list[NewEvent | None] = field(default_factory=list)
    folds: dict[tuple[int, str], list[_Fold]] = field(default_factory=dict)
    folded: dict[int, _Fold] = field(default_factory=dict)
    changed: dict[int, Recipient] = field(default_factory=dict)


def hits_apply(hits: Sequence[Hit]) -> list[NewEvent | None]:
    """Apply `hits` in order in one transaction. For each hit: the event it wrote, or
    None when it was folded into an earlier one or names no recipient."""
    if not hits:
        return []
    unknown = [hit.kind for hit in hits if hit.kind not in KINDS]
    if unknown:
        raise ValueError(f"not a tracked hit: {unknown[0]!r}")
    within = dt.timedelta(seconds=settings.EVENT_FOLD_SECONDS)
    with transaction.atomic():
        batch = _Batch(recipients=_locked({hit.public_id for hit in hits}))
        _stored_folds(batch, hits, within)
        written: list[int | None] = []
        for hit in hits:
            recipient = batch.recipients.get(hit.public_id)
            if recipient is None:
                written.append(None)
            elif hit.kind == OPEN:
                written.append(_open(batch, recipient, hit, within))
            else:
                written.append(_click(batch, recipient, hit))
        _write_changes(batch)
        events_write([event for event in batch.new if event is not None])
    return [None if index is None else batch.new[index] for index in written]


def _write_changes(batch: _Batch) -> None:
    """The recipients that changed and the stored events that folded, each an
    executemany."""
    ops = connection.ops
    with connection.cursor() as cursor:
        if batch.changed:
            rows = [
                (
                    ops.adapt_datetimefield_value(r.opened_at),
                    ops.adapt_datetimefield_value(r.machine_opened_at),
                    ops.adapt_datetimefield_value(r.clicked_at),
                    r.email_status,
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


def _locked(public_ids: set[str]) -> dict[str, Recipient]:
    rows = (
        Recipient.objects.select_for_update()
        .filter(public_id__in=public_ids)
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


def _stored_folds(batch: _Batch, hits: Sequence[Hit], within: dt.timedelta) -> None:
    """Load the stored machine opens that the batch's hits could be counted into."""
    if within <= dt.timedelta(0):
        return
    ids = {r.pk for r in batch.recipients.values()}
    opens = [hit.at for hit in hits if hit.kind == OPEN and hit.client_address]
    if not ids or not opens:
        return
    stored = Event.objects.filter(
        recipient_id__in=ids,
        type=EventType.EMAIL_OPENED,
        channel=Channel.EMAIL,
        machine=True,
        at__gte=min(opens) - within,
        at__lte=max(opens),
    ).order_by("at", "id")
    for pk, recipient_id, code, at, detail in stored.values_list(
        "pk", "recipient_id", "client_hash", "at", "detail"
    ):
        seen = EmailOpened.from_json(detail or {})
        batch.folds.setdefault((recipient_id, code), []).append(_Fold(at=at, detail=seen, pk=pk))


def _changed(batch: _Batch, recipient: Recipient, name: str, value: object) -> None:
    setattr(recipient, name, value)
    batch.changed[recipient.pk] = recipient


def _set_once(batch: _Batch, recipient: Recipient, name: str, at: dt.datetime) -> bool:
    if getattr(recipient, name) is not None:
        return False
    _changed(batch, recipient, name, at)
    return True


def _move(batch: _Batch, recipient: Recipient, step: Step) -> None:
    status = transition(step).apply(recipient.email_status)
    if status != recipient.email_status:
        _changed(batch, recipient, "email_status", status.value)


def _write(
    batch: _Batch, recipient: Recipient, hit: Hit, detail: EmailOpened | EmailClicked, machine: bool
) -> int:
    batch.new.append(
        event_new(
            recipient=recipient,
            detail=detail,
            at=hit.at,
            channel=Channel.EMAIL,
            machine=machine,
            user_agent=hit.user_agent,
            client_address=hit.client_address,
        )
    )
    return len(batch.new) - 1


def _verdict_of(recipient: Recipient, hit: Hit) -> tuple[bool, str, str]:
    verdict = machine_verdict(
        user_agent=hit.user_agent,
        client_address=hit.client_address,
        method=hit.method,
        delivered_at=recipient.delivered_at or recipient.first_sent_at,
        at=hit.at,
    )
    return bool(verdict), verdict.machine_reason, verdict.machine_source


def _open(batch: _Batch, recipient: Recipient, hit: Hit, within: dt.timedelta) -> int | None:
    machine, reason, source = _verdict_of(recipient, hit)
    detail = EmailOpened(machine_reason=reason, machine_source=source)
    if not machine:
        _set_once(batch, recipient, "opened_at", hit.at)
        _move(batch, recipient, Step.OPEN)
        return _write(batch, recipient, hit, detail, machine=False)
    _set_once(batch, recipient, "machine_opened_at", hit.at)
    code = client_hash(hit.client_address)
    if (
        code
        and within > dt.timedelta(0)
        and _fold(batch, (recipient.pk, code), detail, hit.at, within)
    ):
        return None
    index = _write(batch, recipient, hit, detail, machine=True)
    if code:
        batch.folds.setdefault((recipient.pk, code), []).append(
            _Fold(at=hit.at, detail=detail, index=index)
        )
    return index


def _fold(
    batch: _Batch,
    key: tuple[int, str],
    detail: EmailOpened,
    at: dt.datetime,
    within: dt.timedelta,
) -> bool:
    """`event_fold`'s rule: count the hit into the latest machine open of the same client
    that began within `within` before `at`, if its verdict is the same."""
    candidates = [fold for fold in batch.folds.get(key, ()) if at - within <= fold.at <= at]
    if not candidates:
        return False
    # The latest by time, the last written of equal times (event_fold's "-at, -id").
    latest = max(reversed(candidates), key=lambda fold: fold.at)
    if (latest.detail.machine_reason, latest.detail.machine_source) != (
        detail.machine_reason,
        detail.machine_source,
    ):
        return False
    latest.detail = replace(latest.detail, count=latest.detail.count + 1, last_at=at)
    if latest.pk is not None:
        batch.folded[latest.pk] = latest
    elif latest.index is not None:
        pending = batch.new[latest.index]
        if pending is not None:
            batch.new[latest.index] = replace(pending, detail=latest.detail)
    return True


def _click(batch: _Batch, recipient: Recipient, hit: Hit) -> int:
    machine, reason, source = _verdict_of(recipient, hit)
    if not machine:
        inferred = _set_once(batch, recipient, "opened_at", hit.at)
        _set_once(batch, recipient, "clicked_at", hit.at)
        _move(batch, recipient, Step.CLICK)
        if inferred:
            _write(batch, recipient, hit, EmailOpened(inferred=True), machine=False)
    detail = EmailClicked(machine_reason=reason, machine_source=source)
    return _write(batch, recipient, hit, detail, machine=machine)
