"""What only the sender of a message knows: when it arrived, which links it holds and
which of them no person can see. Three rules judge a hit from that, beside what the
request itself tells (conferral.tracking.machine); conferral.tracking.hits applies them.

- Click before open: a click within CLICK_BEFORE_OPEN_WITHIN of delivery, when no open
  (a person's or a machine's) was recorded before it, is a link scanner's: a person
  sees the message before clicking, and a scanner checks the links as the message
  arrives. It wins over "too soon" (within seconds of delivery) because it says more:
  the order as well as the timing. A click later than that without an open stays a
  person's, whose client blocked the images (the open is inferred, as ever).
- Every link: one client (the same `client_hash`) following every tracked link of the
  message (conferral.tracking.links.Link) within EVERY_LINK_WITHIN is a scanner; a
  person follows one. All of those clicks are machine-made, the earlier ones too.
- The honeypot: a link no person can see or reach. Whoever follows it is a machine, and
  so are that client's other opens and clicks of the recipient's message within
  HONEYPOT_WINDOW either side of it: before it (found to be a machine's afterwards)
  and after it (a machine's on arrival). The window is bounded because a client is
  known only by its network address, which a company's or a mobile carrier's many
  people may share: a scanner walks a message's links within seconds or minutes, while
  a person behind the same address may click hours later and must stay a person.

A hit that turns out to be a machine's is changed in place, the one change an event
sees after folding (conferral.certificates.models.Event): its `machine` flag set and
its detail's reason, its recipient's columns recomputed from the hits that remain a
person's (`engagement_status`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Min

from conferral.certificates.event_details import EmailClicked, EmailOpened
from conferral.certificates.events import NewEvent
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.tracking.links import LINKS
from conferral.tracking.statements import (
    event_verdict_update_sql,
    inferred_open_update_sql,
    seen_select_sql,
)

CLICK_BEFORE_OPEN_WITHIN = dt.timedelta(seconds=30)
EVERY_LINK_WITHIN = dt.timedelta(seconds=1)
HONEYPOT_WINDOW = dt.timedelta(minutes=10)


@dataclass(slots=True)
class Seen:
    """An open or click of one client on one recipient's message: stored (`pk`) or
    written by the batch at hand (`index` into its new events)."""

    at: dt.datetime
    detail: EmailOpened | EmailClicked
    machine: bool
    code: str
    pk: int | None = None
    index: int | None = None

    @property
    def honeypot(self) -> bool:
        """A hit of the honeypot itself (not one it showed to be a machine's)."""
        return isinstance(self.detail, EmailClicked) and self.detail.honeypot

    @property
    def link(self) -> int:
        return self.detail.link if isinstance(self.detail, EmailClicked) else 0


Key = tuple[int, str]  # a recipient's id and a client hash


Span = tuple[dt.datetime, dt.datetime]


@dataclass(slots=True)
class Wanted:
    """What a batch needs to know of the stored hits. `clicks`: by the one link number
    its recipients' numbered clicks of the batch all have (None: several), the
    recipients and the span of those clicks. `honeypot`: the recipients whose every hit
    near the batch's matters, and the span of their hits."""

    clicks: dict[int | None, tuple[set[int], Span]]
    honeypot: tuple[set[int], Span] | None = None


def _widen(span: Span | None, at: dt.datetime) -> Span:
    return (at, at) if span is None else (min(span[0], at), max(span[1], at))


def wanted(hits: Sequence[tuple[Recipient, dt.datetime, int, bool]]) -> Wanted:
    """From each hit of a batch (its recipient, time, link number, whether it is a
    honeypot's), what to read: the clicks and opens near a numbered click of a recipient
    clicked before, and every hit near any hit of a recipient that a machine clicked before (a
    honeypot's, maybe) or whose honeypot is hit now."""
    trapped = {recipient.pk for recipient, _at, _link, honeypot in hits if honeypot}
    links: dict[int, set[int]] = {}
    click_span: dict[int, Span] = {}
    honeypot: tuple[set[int], Span] | None = None
    for recipient, at, link, _honeypot in hits:
        pk = recipient.pk
        if link and (recipient.clicked_at or recipient.machine_clicked_at):
            links.setdefault(pk, set()).add(link)
            click_span[pk] = _widen(click_span.get(pk), at)
        if recipient.machine_clicked_at or pk in trapped:
            ids = honeypot[0] if honeypot else set()
            honeypot = (ids | {pk}, _widen(honeypot[1] if honeypot else None, at))
    need = Wanted(clicks={}, honeypot=honeypot)
    for pk, numbers in links.items():
        # Every link at once needs a stored click of each link the batch's clicks are not.
        only = next(iter(numbers)) if len(numbers) == 1 else None
        ids, span = need.clicks.get(only, (set(), click_span[pk]))
        span = (min(span[0], click_span[pk][0]), max(span[1], click_span[pk][1]))
        need.clicks[only] = (ids | {pk}, span)
    return need


def stored_seen(need: Wanted, codes: Collection[str]) -> dict[Key, list[Seen]]:
    """The stored opens and clicks `need` names, of the clients in `codes`, with one
    query (`seen_select_sql`), by recipient and client in time order."""
    if not codes or not (need.clicks or need.honeypot):
        return {}
    ops = connection.ops
    vendor_link = str if connection.vendor == "postgresql" else int  # ->> gives text
    params: list[int | str | None] = [Channel.EMAIL.value, *codes]
    clicks = []
    for only, (ids, (low, high)) in need.clicks.items():
        links = [] if only is None else sorted(LINKS - {only})
        clicks.append((len(ids), len(links)))
        params += [*ids, EventType.EMAIL_CLICKED.value, EventType.EMAIL_OPENED.value]
        params += [ops.adapt_datetimefield_value(low - EVERY_LINK_WITHIN)]
        params += [ops.adapt_datetimefield_value(high + EVERY_LINK_WITHIN)]
        params += [vendor_link(link) for link in links]
        params += [EventType.EMAIL_OPENED.value] if links else []
    honeypot = 0
    if need.honeypot is not None:
        ids, (low, high) = need.honeypot
        honeypot = len(ids)
        params += [*ids, EventType.EMAIL_OPENED.value, EventType.EMAIL_CLICKED.value]
        params += [ops.adapt_datetimefield_value(low - HONEYPOT_WINDOW)]
        params += [ops.adapt_datetimefield_value(high + HONEYPOT_WINDOW)]
    with connection.cursor() as cursor:
        cursor.execute(seen_select_sql(clicks, honeypot, len(codes)), params)
        rows = cursor.fetchall()
    found: dict[Key, list[Seen]] = {}
    for pk, recipient_id, code, kind, at, machine, detail in rows:
        data = json.loads(detail) if isinstance(detail, str) else detail
        parsed: EmailOpened | EmailClicked = (
            EmailClicked.from_json(data or {})
            if kind == EventType.EMAIL_CLICKED
            else EmailOpened.from_json(data or {})
        )
        seen = Seen(at=_aware(at), detail=parsed, machine=bool(machine), code=code, pk=pk)
        found.setdefault((recipient_id, code), []).append(seen)
    return found


def _aware(value: dt.datetime | str) -> dt.datetime:
    """A time as the database gives it to a raw query (SQLite: text in UTC)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def click_before_open(recipient: Recipient, at: dt.datetime) -> bool:
    """A click at `at` came within CLICK_BEFORE_OPEN_WITHIN of delivery with no open
    recorded before it."""
    delivered = recipient.delivered_at or recipient.first_sent_at
    if delivered is None or not dt.timedelta(0) <= at - delivered < CLICK_BEFORE_OPEN_WITHIN:
        return False
    return all(
        opened is None or opened > at
        for opened in (recipient.opened_at, recipient.machine_opened_at)
    )


def honeypot_near(seen: Iterable[Seen], at: dt.datetime) -> bool:
    """The client hit the recipient's honeypot within HONEYPOT_WINDOW of `at`."""
    return any(s.honeypot and abs(s.at - at) <= HONEYPOT_WINDOW for s in seen)


def honeypot_caught(seen: Iterable[Seen], at: dt.datetime) -> list[Seen]:
    """The hits taken for a person's that a honeypot hit at `at` shows to be a machine's."""
    return [s for s in seen if not s.machine and abs(s.at - at) <= HONEYPOT_WINDOW]


def every_link(seen: Iterable[Seen], at: dt.datetime, link: int) -> list[Seen] | None:
    """With a click of `link` at `at`, the client followed every link of the message
    within EVERY_LINK_WITHIN: the client's other clicks of that span and the pixel it
    loaded within EVERY_LINK_WITHIN of the span's start (a scanner that fetches the
    images as it walks the links), or None when it did not."""
    seen = list(seen)
    clicks = [s for s in seen if s.link in LINKS and abs(s.at - at) < EVERY_LINK_WITHIN]
    for start in sorted({s.at for s in clicks if s.at <= at} | {at}):
        members = [s for s in clicks if start <= s.at < start + EVERY_LINK_WITHIN]
        if {link, *(s.link for s in members)} >= LINKS and at < start + EVERY_LINK_WITHIN:
            pixel = [
                s
                for s in seen
                if isinstance(s.detail, EmailOpened)
                and not s.detail.inferred
                and abs(s.at - start) < EVERY_LINK_WITHIN
            ]
            return members + pixel
    return None


def inferred_by(seen: Iterable[Seen], click: Seen) -> Seen | None:
    """The open a person's click inferred (written with it: same client, same time)."""
    for s in seen:
        if isinstance(s.detail, EmailOpened) and s.detail.inferred and s.at == click.at:
            return s
    return None


def verdicts_write(
    cursor: CursorWrapper,
    reclassified: Iterable[tuple[int, Seen]],
    inferred: Sequence[tuple[int, str, dt.datetime, str]],
) -> None:
    """Write the stored events found to be a machine's (by id) and the stored opens
    their clicks inferred (recipient, client, time, reason), each an executemany."""
    ops = connection.ops
    verdicts = [
        (True, ops.adapt_json_value(seen.detail.to_json(), None), pk) for pk, seen in reclassified
    ]
    if verdicts:
        cursor.executemany(event_verdict_update_sql(), verdicts)
    if inferred:
        opens = [
            (
                True,
                ops.adapt_json_value(
                    EmailOpened(inferred=True, machine_reason=reason).to_json(), None
                ),
                recipient_id,
                EventType.EMAIL_OPENED.value,
                ops.adapt_datetimefield_value(at),
                code,
                False,
            )
            for recipient_id, code, at, reason in inferred
        ]
        cursor.executemany(inferred_open_update_sql(), opens)


def human_firsts(
    recipient_ids: Collection[int], pending: Iterable[NewEvent | None]
) -> dict[tuple[int, str], dt.datetime]:
    """The first open and the first click that remain a person's, by recipient and
    event type: stored (one query, once `verdicts_write` has written) or `pending`."""
    firsts: dict[tuple[int, str], dt.datetime] = {}
    stored = (
        Event.objects.filter(
            recipient_id__in=recipient_ids,
            type__in=(EventType.EMAIL_OPENED, EventType.EMAIL_CLICKED),
            channel=Channel.EMAIL,
            machine=False,
        )
        .values_list("recipient_id", "type")
        .annotate(first=Min("at"))
        .order_by()
    )
    new = (
        (event.recipient_id, event.type.value, event.at)
        for event in pending
        if event is not None and not event.machine and event.recipient_id in recipient_ids
    )
    for recipient_id, kind, at in (*stored, *new):
        key = (recipient_id, kind)
        if key not in firsts or at < firsts[key]:
            firsts[key] = at
    return firsts
