"""The sending hot path's SQL, written once per database vendor.

Recording a delivery through the ORM (an UPDATE with CASE / COALESCE / F and two saved
events) cost about 2 ms of query building a message, more than building and sending the
message together. These are the same statements in portable SQL, written for a group of
accepted messages at once (conferral.delivery.outbox.outbox_record_accepted): one UPDATE
of the group's recipients from a VALUES list, conditional on each row's lease, that
returns the rows it hit, and one INSERT of their events. The email status is set by the
status machine's own expression (`Transition.sql`), the event rows are built by the
event seam (`NewEvent.params()`, in the seam's column order), and every value is adapted
by the backend's own operations, so the database receives exactly what the ORM would
have written."""

from __future__ import annotations

from django.db import connection

from conferral.certificates.models import Event, Recipient
from conferral.certificates.statements import EVENT_COLUMNS, column, event_insert_head
from conferral.certificates.status import Step, transition

# An accepted message's own values, in the order of `Statements.accepted` rows.
ACCEPTED_VALUES = ("sent_recipient", "sent_at", "sent_reply", "sent_provider_message_id")
_ROW = "(" + ", ".join(["%s"] * len(ACCEPTED_VALUES)) + ")"
_EVENT_ROW = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
# PostgreSQL: an event row with its place in the group, so the events are numbered in
# the order written (each message's `email.sent` before its `email.delivered`).
_ORDERED_EVENT_ROW = "(" + ", ".join(["%s"] * (len(EVENT_COLUMNS) + 1)) + ")"


class Statements:
    """`accepted(n)`: the UPDATE of n delivered recipients, each row's ACCEPTED_VALUES
    then `accepted_params` then the lease owner, returning the ids it updated;
    `events(n)`: the INSERT of n events; and, used on PostgreSQL only,
    `accepted_with_events(n, e)`: both as one statement (one round trip, its own
    transaction) whose events are written only for the rows the update hit, each event
    row with its place first, returning the recipient ids of the events written."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        quote = connection.ops.quote_name
        self._table = quote(Recipient._meta.db_table)

        def col(name: str) -> str:
            return column(Recipient, name)

        status_sql, self.accepted_params = transition(Step.DELIVER).sql(col("email_status"))
        self._set = (
            f"SET {col('email_status')} = {status_sql}, "
            f"{col('first_sent_at')} = COALESCE({col('first_sent_at')}, sent.sent_at), "
            f"{col('delivered_at')} = sent.sent_at, "
            f"{col('sends')} = {col('sends')} + 1, "
            f"{col('last_reply')} = sent.sent_reply, "
            f"{col('provider_message_id')} = sent.sent_provider_message_id, "
            f"{col('bounce_kind')} = '', "
            f"{col('next_attempt_at')} = NULL, "
            f"{col('lease_owner')} = '', "
            f"{col('lease_until')} = NULL "
            f"FROM sent WHERE {self._table}.{col('id')} = sent.sent_recipient "
            f"AND {self._table}.{col('lease_owner')} = %s"
        )
        self._id = f"{self._table}.{col('id')}"
        self._insert = event_insert_head()
        self._cache: dict[tuple[str, int, int], str] = {}

    def _sent(self, rows: int) -> str:
        return f"WITH sent ({', '.join(ACCEPTED_VALUES)}) AS (VALUES {', '.join([_ROW] * rows)}) "

    def accepted(self, rows: int) -> str:
        key = ("accepted", rows, 0)
        if key not in self._cache:
            sql = f"{self._sent(rows)}UPDATE {self._table} {self._set} RETURNING {self._id}"
            self._cache[key] = self._driver(sql)
        return self._cache[key]

    def events(self, rows: int) -> str:
        key = ("events", rows, 0)
        if key not in self._cache:
            sql = f"{self._insert}VALUES {', '.join([_EVENT_ROW] * rows)}"
            self._cache[key] = self._driver(sql)
        return self._cache[key]

    def accepted_with_events(self, rows: int, events: int) -> str:
        key = ("accepted_with_events", rows, events)
        if key not in self._cache:
            self._cache[key] = self._accepted_with_events(rows, events)
        return self._cache[key]

    def _accepted_with_events(self, rows: int, events: int) -> str:
        names = ", ".join(f"e_{name}" for name in EVENT_COLUMNS)
        return (
            f"{self._sent(rows)}, accepted AS (UPDATE {self._table} {self._set} "
            f"RETURNING {self._id} AS id), "
            f"written (place, {names}) AS (VALUES {', '.join([_ORDERED_EVENT_ROW] * events)}) "
            f"{self._insert}SELECT {names} FROM written "
            "JOIN accepted ON accepted.id = written.e_recipient ORDER BY written.place "
            f"RETURNING {column(Event, 'recipient')}"
        )

    def _driver(self, sql: str) -> str:
        """In the driver's own parameter style, for its cursor."""
        return sql.replace("%s", "?") if self.vendor == "sqlite" else sql


_statements: Statements | None = None


def statements() -> Statements:
    global _statements
    if _statements is None or _statements.vendor != connection.vendor:
        _statements = Statements()
    return _statements
