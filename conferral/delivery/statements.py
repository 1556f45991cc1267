"""The sending hot path's SQL, written once per database vendor.

Recording a delivery through the ORM (an UPDATE with CASE / COALESCE / F and a
bulk_create) cost about 2 ms of query building a message, more than building and sending
the message together; `bulk_create` of the `email.queued` events was most of the cost of
queueing a large send. These are the same statements in portable SQL (no vendor syntax:
they run on SQLite and PostgreSQL), with values adapted by the backend's own operations,
so the database receives exactly what the ORM would have written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from conferral.certificates.models import Recipient
from conferral.tracking.models import Event

EVENT_COLUMNS = (
    "recipient",
    "certificate",
    "type",
    "at",
    "channel",
    "machine",
    "user_agent",
    "client_hash",
    "detail",
)
# One event: recipient, certificate, type, at, detail (no channel, client or agent).
EVENT_ROW = "(%s, %s, %s, %s, '', %s, '', '', %s)"


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


class Statements:
    """`accepted` (UPDATE of a delivered recipient, conditional on its lease),
    `two_events` (INSERT of two events, for the driver's own cursor), `event` (INSERT of
    one event, for Django's cursor and executemany) and, used on PostgreSQL only,
    `accepted_with_events` (the first two as one statement)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        quote = connection.ops.quote_name

        def column(name: str) -> str:
            return _column(Recipient, name)

        status = column("email_status")
        self.accepted = (
            f"UPDATE {quote(Recipient._meta.db_table)} SET "
            f"{status} = CASE WHEN {status} IN (%s, %s) THEN {status} ELSE %s END, "
            f"{column('first_sent_at')} = COALESCE({column('first_sent_at')}, %s), "
            f"{column('delivered_at')} = %s, "
            f"{column('sends')} = {column('sends')} + 1, "
            f"{column('last_reply')} = %s, "
            f"{column('bounce_kind')} = '', "
            f"{column('next_attempt_at')} = NULL, "
            f"{column('lease_owner')} = '', "
            f"{column('lease_until')} = NULL "
            f"WHERE {column('id')} = %s AND {column('lease_owner')} = %s"
        )
        columns = ", ".join(_column(Event, name) for name in EVENT_COLUMNS)
        insert = f"INSERT INTO {quote(Event._meta.db_table)} ({columns}) "
        self.event = insert + "VALUES " + EVENT_ROW
        self.two_events = insert + "VALUES " + EVENT_ROW + ", " + EVENT_ROW
        # PostgreSQL: the update and both events in one statement (one round trip, its
        # own transaction); the events are only written if the update hit its row.
        event = f"SELECT {column('id')}, {column('certificate')}, %s, %s, '', false, '', '', %s"
        self.accepted_with_events = (
            f"WITH accepted AS ({self.accepted} "
            f"RETURNING {column('id')}, {column('certificate')}) "
            f"{insert}{event} FROM accepted UNION ALL {event} FROM accepted"
        )
        if self.vendor == "sqlite":  # the driver's own parameter style, for its cursor
            self.accepted = self.accepted.replace("%s", "?")
            self.two_events = self.two_events.replace("%s", "?")


_statements: Statements | None = None


def statements() -> Statements:
    global _statements
    if _statements is None or _statements.vendor != connection.vendor:
        _statements = Statements()
    return _statements


def events_insert(
    *,
    recipient_ids: Iterable[int],
    certificate_id: int,
    type: str,
    at: dt.datetime,
    detail: dict[str, Any],
) -> None:
    """Insert one event of `type` for each recipient, with one executemany."""
    ops = connection.ops
    when = ops.adapt_datetimefield_value(at)
    payload = ops.adapt_json_value(detail, None)
    rows = [(pk, certificate_id, type, when, False, payload) for pk in recipient_ids]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(statements().event, rows)
