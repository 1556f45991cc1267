"""The event seam: the only way an event comes into being.

- `event_record` writes one event through the ORM, inside the caller's transaction
  (which also writes the recipient's status columns);
- `events_insert` writes one event for each of many recipients at once, by COPY on
  PostgreSQL and an executemany on SQLite (a large send's `email.queued`, its skipped
  recipients' `email.suppressed`), and `events_write` many events built with
  `event_new` (the tracking journal's batches);
- `event_new` builds the row for code that writes its own SQL (the sending hot path in
  conferral.delivery.statements, with the columns of EVENT_COLUMNS), which passes the
  rows to `events_dispatch` once they are written;
- `event_fold` counts a repeated hit (a view, a verification, a machine open) from the
  same client into the event of its first hit instead of writing a new one: the one
  update an event ever gets, to its `count` and `last_at`;
- `events_anonymise` strips a recipient's events of their personal data when the
  issuer erases the recipient (conferral.certificates.erasure), the one other change.

The type of an event is its detail's (conferral.certificates.event_details), so a row
cannot carry another type's keys. Every event, however it was written, passes after its
transaction commits through one dispatch point: each subscriber registered with
`event_subscribe` gets it once, in the order written. This is where webhooks out
attach (retention needs no subscriber: conferral.tracking.retention prunes by age).
Nothing is dispatched for a transaction that rolls back, and while no
subscriber is registered dispatching costs one list check."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from conferral.certificates.event_details import DETAILS, EventDetail, Foldable
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.statements import event_copy_sql, event_rows_insert
from conferral.core.signing import client_hash

logger = logging.getLogger(__name__)

USER_AGENT_MAX = 400  # Event.user_agent's max_length
FOLD_TRIES = 3  # compare-and-set rounds before a contended fold writes its own event


class Adapter:
    """Values adapted for the database as the ORM adapts them, by the backend's own
    operations, looked up once for rows written together, and each distinct time
    adapted once (a delivered message's row and its two events share one). Looking
    the operations up through the connection proxy and adapting the time again for
    every event made an event's row take 17.6 µs on SQLite, 7.4 µs this way (20 events
    of one time, measured side by side)."""

    def __init__(self) -> None:
        self.ops = connection.ops
        self._times: dict[dt.datetime, Any] = {}

    def datetime(self, value: dt.datetime) -> Any:
        if value not in self._times:
            self._times[value] = self.ops.adapt_datetimefield_value(value)
        return self._times[value]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as written (and as subscribers receive it)."""

    recipient_id: int
    certificate_id: int
    detail: EventDetail
    at: dt.datetime
    channel: str = ""
    machine: bool = False
    user_agent: str = ""
    client_hash: str = ""

    @property
    def type(self) -> EventType:
        return self.detail.TYPE

    def values(self, adapt: Adapter | None = None) -> tuple[Any, ...]:
        """The row without its recipient and certificate, adapted for the database:
        type, at, channel, machine, user_agent, client_hash, detail. Rows written
        together share one `adapt`."""
        adapt = adapt or Adapter()
        return (
            self.detail.TYPE.value,
            adapt.datetime(self.at),
            self.channel,
            self.machine,
            self.user_agent,
            self.client_hash,
            adapt.ops.adapt_json_value(self.detail.to_json(), None),
        )

    def params(self, adapt: Adapter | None = None) -> tuple[Any, ...]:
        """The whole row in EVENT_COLUMNS order, adapted for the database."""
        return (self.recipient_id, self.certificate_id, *self.values(adapt))

    def document(self) -> dict[str, Any]:
        """The whole row as JSON, keyed by "e_" and each of EVENT_COLUMNS (PostgreSQL
        reads it back as a row: conferral.delivery.statements)."""
        return {
            "e_recipient": self.recipient_id,
            "e_certificate": self.certificate_id,
            "e_type": self.detail.TYPE.value,
            "e_at": self.at.isoformat(),
            "e_channel": self.channel,
            "e_machine": self.machine,
            "e_user_agent": self.user_agent,
            "e_client_hash": self.client_hash,
            "e_detail": self.detail.to_json(),
        }


def event_new(
    *,
    recipient: Recipient,
    detail: EventDetail,
    at: dt.datetime | None = None,
    channel: str = "",
    machine: bool = False,
    user_agent: str = "",
    client_address: str = "",
) -> NewEvent:
    """An event about `recipient`, not yet written. `recipient` needs only its primary
    key and certificate id loaded."""
    return NewEvent(
        recipient_id=recipient.pk,
        certificate_id=recipient.certificate_id,
        detail=detail,
        at=at or timezone.now(),
        channel=str(channel),
        machine=machine,
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        client_hash=client_hash(client_address),
    )


def event_record(
    *,
    recipient: Recipient,
    detail: EventDetail,
    at: dt.datetime | None = None,
    channel: str = "",
    machine: bool = False,
    user_agent: str = "",
    client_address: str = "",
) -> Event:
    """Write one event in the caller's transaction; subscribers get it after commit."""
    new = event_new(
        recipient=recipient,
        detail=detail,
        at=at,
        channel=channel,
        machine=machine,
        user_agent=user_agent,
        client_address=client_address,
    )
    event = Event(
        recipient_id=new.recipient_id,
        certificate_id=new.certificate_id,
        type=new.type,
        at=new.at,
        channel=new.channel,
        machine=new.machine,
        user_agent=new.user_agent,
        client_hash=new.client_hash,
        detail=new.detail.to_json(),
    )
    event.save()
    events_dispatch([new])
    return event


def events_insert(
    *,
    recipient_ids: Sequence[int],
    certificate_id: int,
    detail: EventDetail | Sequence[EventDetail],
    at: dt.datetime,
) -> None:
    """Write an event for each recipient, all at once: the same `detail` for
    all, or one detail per recipient (in the order of `recipient_ids`)."""
    if not recipient_ids:
        return
    each = [detail] * len(recipient_ids) if isinstance(detail, EventDetail) else list(detail)
    if len(each) != len(recipient_ids):
        raise ValueError("one detail per recipient")
    events = [
        NewEvent(recipient_id=pk, certificate_id=certificate_id, detail=one, at=at)
        for pk, one in zip(recipient_ids, each, strict=True)
    ]
    values: dict[int, tuple[Any, ...]] = {}  # adapted once per detail object
    rows = []
    adapt = Adapter()
    for event in events:
        key = id(event.detail)
        if key not in values:
            values[key] = event.values(adapt)
        rows.append((event.recipient_id, certificate_id, *values[key]))
    _rows_write(rows)
    events_dispatch(events)


def events_write(events: Sequence[NewEvent]) -> None:
    """Write events built with `event_new` (any recipients, times and details) all at
    once, in the caller's transaction (the tracking journal's batches)."""
    if not events:
        return
    adapt = Adapter()
    _rows_write([event.params(adapt) for event in events])
    events_dispatch(events)


def _rows_write(rows: list[tuple[Any, ...]]) -> None:
    """Event rows in EVENT_COLUMNS order, written at once: by COPY on PostgreSQL, where
    an executemany of 1,000 rows took about 200 ms (a statement, its foreign key checks
    and a round trip in the pipeline per row), by multi-row INSERTs on SQLite
    (`event_rows_insert`)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(event_copy_sql()) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            event_rows_insert(cursor, rows)


def event_fold(
    *,
    recipient: Recipient,
    detail: Foldable,
    at: dt.datetime,
    within: dt.timedelta,
    channel: str = "",
    machine: bool = False,
    client_address: str = "",
) -> bool:
    """Count a repeated hit into the latest event of the same type, channel, client and
    machine verdict (reason and source too) whose first hit came within `within` before
    `at`: its `count` goes up by one and `last_at` becomes `at`. False when there is
    none (or no client address to tell clients apart, or a zero window): the caller
    records the hit as a new event. A person's hits never fold into a machine's, nor
    the other way round.

    The update is a compare-and-set on the count read (UPDATE … WHERE id = latest AND
    count = as read), retried a few times: two racing hits both count, and if the
    event keeps changing under us the hit gets an event of its own, never a lost count.

    A fold dispatches nothing: subscribers heard of the first hit, and a repeat from the
    same client within minutes is not news to a webhook."""
    code = client_hash(client_address)
    if not code or within <= dt.timedelta(0):
        return False
    candidates = Event.objects.filter(
        recipient_id=recipient.pk,
        type=detail.TYPE,
        channel=str(channel),
        machine=machine,
        client_hash=code,
        at__gte=at - within,
        at__lte=at,
    ).order_by("-at", "-id")
    for _attempt in range(FOLD_TRIES):
        latest = candidates.values_list("pk", "detail").first()
        if latest is None:
            return False
        pk, stored = latest
        seen = type(detail).from_json(stored or {})
        if (seen.machine_reason, seen.machine_source) != (
            detail.machine_reason,
            detail.machine_source,
        ):
            return False
        folded = replace(seen, count=seen.count + 1, last_at=at)
        same_count = (
            models.Q(detail__count=seen.count)
            if seen.count > 1
            else models.Q(detail__count__isnull=True)
        )
        if Event.objects.filter(same_count, pk=pk).update(detail=folded.to_json()):
            return True
    return False


ANONYMISE_CHUNK = 500


def events_anonymise(*, recipient_id: int) -> None:
    """Clear the user agent and client hash of every event of the recipient and blank
    each detail's personal fields (`EventDetail.PERSONAL`), in the caller's transaction;
    types, times, channels, machine verdicts and the other facts stay. Dispatches
    nothing: the subscribers heard of these events when they happened."""
    events = Event.objects.filter(recipient_id=recipient_id)
    events.exclude(user_agent="", client_hash="").update(user_agent="", client_hash="")
    changed: list[Event] = []
    for pk, kind, stored in events.values_list("pk", "type", "detail").iterator(
        chunk_size=ANONYMISE_CHUNK
    ):
        detail = DETAILS.get(kind)
        if detail is None or not detail.PERSONAL:
            continue
        anonymised = detail.from_json(stored or {}).anonymised().to_json()
        if anonymised != stored:
            changed.append(Event(pk=pk, detail=anonymised))
    Event.objects.bulk_update(changed, ["detail"], batch_size=ANONYMISE_CHUNK)


def detail_of(event: Event) -> EventDetail:
    """A stored event's detail, typed (read leniently: see event_details)."""
    return DETAILS[event.type].from_json(event.detail or {})


Subscriber = Callable[[Sequence[NewEvent]], None]
_subscribers: list[Subscriber] = []


def event_subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Have `subscriber` called with every batch of events after its transaction
    commits; returns the function that unsubscribes it. A subscriber that raises is
    logged and does not stop the others (the events are written either way)."""
    _subscribers.append(subscriber)
    return partial(_unsubscribe, subscriber)


def _unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def events_dispatch(events: Iterable[NewEvent]) -> None:
    """Hand events just written in the current transaction to the subscribers once it
    commits (at once when there is no transaction)."""
    if not _subscribers:
        return
    batch = tuple(events)
    if batch:
        transaction.on_commit(partial(_deliver, batch))


def _deliver(batch: tuple[NewEvent, ...]) -> None:
    for subscriber in list(_subscribers):
        try:
            subscriber(batch)
        except Exception:
            logger.exception("Event subscriber %r failed", subscriber)
