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
  click without a recorded open also sets `opened_at` with an `inferred` open event; a
  machine's click sets `machine_clicked_at` once. A hit of the honeypot is a machine's
  click.
- Each hit is judged by `machine_verdict` against the recipient's delivery and the
  hit's own time, not the time it is applied, then by the sequence rules
  (conferral.tracking.sequence: a click before any open, every link at once, the
  honeypot), which read the stored hits they need with one more query per batch and
  may find earlier hits of a person's to be a machine's: those events are changed in
  place, and the recipient's columns and status recomputed from what remains a
  person's (one query per batch that found any).
- A hit for an unknown recipient records nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction

from conferral.certificates.event_details import EmailClicked, EmailOpened
from conferral.certificates.events import NewEvent, event_new, events_write
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import Step
from conferral.core.signing import client_hash
from conferral.tracking import sequence
from conferral.tracking.hit_batch import Batch, Fold, batch_write, recipients_locked
from conferral.tracking.links import CLICK, HONEYPOT, LEGACY_LINK, OPEN
from conferral.tracking.machine import MachineReason, machine_verdict
from conferral.tracking.sequence import Seen

KINDS = frozenset({OPEN, CLICK, HONEYPOT})
# A verdict the sequence rules may replace: the timing alone gave the hit away.
_REPLACEABLE = frozenset({"", MachineReason.TOO_SOON.value})


@dataclass(frozen=True, slots=True)
class Hit:
    """One fetch of the pixel (`kind` OPEN), of a click link (CLICK: `link` says which
    of the message's, conferral.tracking.links.Link) or of the honeypot (HONEYPOT)."""

    kind: str
    public_id: str
    at: dt.datetime
    user_agent: str = ""
    client_address: str = ""
    method: str = "GET"
    link: int = LEGACY_LINK


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
        batch = Batch(recipients=recipients_locked({hit.public_id for hit in hits}))
        _stored_folds(batch, hits, within)
        _stored_seen(batch, hits)
        written: list[int | None] = []
        for hit in hits:
            recipient = batch.recipients.get(hit.public_id)
            if recipient is None:
                written.append(None)
            elif hit.kind == OPEN:
                written.append(_open(batch, recipient, hit, within))
            else:
                written.append(_click(batch, recipient, hit))
        batch_write(batch)
        events_write([event for event in batch.new if event is not None])
    return [None if index is None else batch.new[index] for index in written]


def _write(
    batch: Batch, recipient: Recipient, hit: Hit, detail: EmailOpened | EmailClicked, machine: bool
) -> int:
    event = event_new(
        recipient=recipient,
        detail=detail,
        at=hit.at,
        channel=Channel.EMAIL,
        machine=machine,
        user_agent=hit.user_agent,
        client_address=hit.client_address,
    )
    batch.new.append(event)
    index = len(batch.new) - 1
    if event.client_hash:
        seen = Seen(at=hit.at, detail=detail, machine=machine, code=event.client_hash, index=index)
        batch.seen.setdefault((recipient.pk, event.client_hash), []).append(seen)
    return index


def _stored_folds(batch: Batch, hits: Sequence[Hit], within: dt.timedelta) -> None:
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
        batch.folds.setdefault((recipient_id, code), []).append(Fold(at=at, detail=seen, pk=pk))


def _stored_seen(batch: Batch, hits: Sequence[Hit]) -> None:
    """Load the stored opens and clicks that the sequence rules need for the batch's
    hits (`sequence.stored_seen`: one query, none when no hit can need one)."""
    pairs = []
    codes = set()
    for hit in hits:
        recipient = batch.recipients.get(hit.public_id)
        if recipient is not None and hit.client_address:
            pairs.append((recipient, hit.at, hit.link, hit.kind == HONEYPOT))
            codes.add(batch.code(hit.client_address))
    batch.seen = sequence.stored_seen(sequence.wanted(pairs), codes)


def _verdict_of(recipient: Recipient, hit: Hit) -> tuple[bool, str, str, str]:
    verdict = machine_verdict(
        user_agent=hit.user_agent,
        client_address=hit.client_address,
        method=hit.method,
        delivered_at=recipient.delivered_at or recipient.first_sent_at,
        at=hit.at,
    )
    return bool(verdict), verdict.machine_reason, verdict.machine_source, verdict.via_source


def _open(batch: Batch, recipient: Recipient, hit: Hit, within: dt.timedelta) -> int | None:
    machine, reason, source, via = _verdict_of(recipient, hit)
    if reason in _REPLACEABLE and sequence.honeypot_near(_seen_of(batch, recipient, hit), hit.at):
        machine, reason = True, MachineReason.HONEYPOT.value
    detail = EmailOpened(machine_reason=reason, machine_source=source, via="" if machine else via)
    if not machine:
        batch.set_once(recipient, "opened_at", hit.at)
        batch.move(recipient, Step.OPEN)
        return _write(batch, recipient, hit, detail, machine=False)
    batch.set_once(recipient, "machine_opened_at", hit.at)
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
            Fold(at=hit.at, detail=detail, index=index)
        )
    return index


def _fold(
    batch: Batch,
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


def _seen_of(batch: Batch, recipient: Recipient, hit: Hit) -> list[Seen]:
    """The opens and clicks of the hit's client on the recipient's message, known so far."""
    code = batch.code(hit.client_address)
    return batch.seen.get((recipient.pk, code), []) if code else []


def _click(batch: Batch, recipient: Recipient, hit: Hit) -> int:
    machine, reason, source, _via = _verdict_of(recipient, hit)
    seen = _seen_of(batch, recipient, hit)
    trapped = reason in _REPLACEABLE and sequence.honeypot_near(seen, hit.at)
    if hit.kind == HONEYPOT or trapped:
        machine, reason = True, MachineReason.HONEYPOT.value
    elif reason in _REPLACEABLE and sequence.click_before_open(recipient, hit.at):
        machine, reason = True, MachineReason.CLICK_BEFORE_OPEN.value
    # The client's earlier hits this one shows to be a machine's, and why.
    caught: list[Seen] = []
    caught_reason = MachineReason.HONEYPOT.value
    if hit.kind == HONEYPOT:
        caught = sequence.honeypot_caught(seen, hit.at)
    elif hit.link != LEGACY_LINK:
        others = sequence.every_link(seen, hit.at, hit.link)
        if others is not None:
            caught, caught_reason = others, MachineReason.EVERY_LINK.value
            if not machine:
                machine, reason = True, caught_reason
    if not machine:
        inferred = batch.set_once(recipient, "opened_at", hit.at)
        batch.set_once(recipient, "clicked_at", hit.at)
        batch.move(recipient, Step.CLICK)
        if inferred:
            _write(batch, recipient, hit, EmailOpened(inferred=True), machine=False)
    else:
        batch.set_once(recipient, "machine_clicked_at", hit.at)
    detail = EmailClicked(
        machine_reason=reason,
        machine_source=source,
        link=LEGACY_LINK if hit.kind == HONEYPOT else hit.link,
        honeypot=hit.kind == HONEYPOT,
    )
    index = _write(batch, recipient, hit, detail, machine=machine)
    for earlier in caught:
        _reclassify(batch, recipient, seen, earlier, caught_reason)
    return index


def _reclassify(
    batch: Batch, recipient: Recipient, seen: list[Seen], earlier: Seen, reason: str
) -> None:
    """A hit taken for a person's is a machine's: its event changed in place (stored, or
    pending in this batch), the machine column set, the recipient to be recomputed. A
    click takes the open it inferred along (not a machine's open of the pixel: its
    column is left)."""
    if earlier.machine:
        return
    earlier.machine = True
    earlier.detail = replace(earlier.detail, machine_reason=reason, machine_source="")
    if isinstance(earlier.detail, EmailOpened):
        earlier.detail = replace(earlier.detail, via="")  # a person's proxy, no longer
    if earlier.pk is not None:
        batch.reclassified[earlier.pk] = earlier
    elif earlier.index is not None:
        pending = batch.new[earlier.index]
        if pending is not None:
            batch.new[earlier.index] = replace(pending, machine=True, detail=earlier.detail)
    batch.recompute.add(recipient.pk)
    if isinstance(earlier.detail, EmailClicked):
        batch.earliest(recipient, "machine_clicked_at", earlier.at)
        inferred = sequence.inferred_by(seen, earlier)
        if inferred is not None:
            _reclassify(batch, recipient, seen, inferred, reason)
        elif earlier.pk is not None:
            batch.inferred.append((recipient.pk, earlier.code, earlier.at, reason))
    elif not earlier.detail.inferred:
        batch.earliest(recipient, "machine_opened_at", earlier.at)
