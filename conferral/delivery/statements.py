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

from django.db import connection, models

from conferral.certificates.models import Event, Recipient
from conferral.certificates.statements import (
    EVENT_COLUMNS,
    column,
    event_insert_head,
    event_rows_sql,
)
from conferral.certificates.status import Step, transition

# An accepted message's own values, in the order of `Statements.accepted` rows.
ACCEPTED_VALUES = ("sent_recipient", "sent_at", "sent_reply", "sent_provider_message_id")
# The recipient field each of them is written to (its type on PostgreSQL).
SENT_FIELDS = ("id", "delivered_at", "last_reply", "provider_message_id")
_ROW = "(" + ", ".join(["%s"] * len(ACCEPTED_VALUES)) + ")"


class Statements:
    """`accepted(n)`: the UPDATE of n delivered recipients, each row's ACCEPTED_VALUES
    then `accepted_params` then the lease owner, returning the ids it updated;
    `events(n)`: the INSERT of n events; and, used on PostgreSQL only,
    `accepted_with_events()`: both as one statement (one round trip, its own
    transaction) whose events are written only for the rows the update hit, in the
    order given, returning the recipient ids of the events written. Its parameters: the
    group's rows as a JSON array of objects keyed by ACCEPTED_VALUES, then
    `accepted_params` and the lease owner, then the events as a JSON array
    (`NewEvent.document()`, each with its "place" in the group). With a VALUES row of
    placeholders per message, each group was a statement of ~250 values that psycopg
    split and quoted in Python and PostgreSQL parsed and planned anew: measured here,
    about 1,000 µs a message recorded, against 660 µs this way."""

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
        self._with_events: str | None = None

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
            self._cache[key] = self._driver(event_rows_sql(rows))
        return self._cache[key]

    def accepted_with_events(self) -> str:
        if self._with_events is None:
            self._with_events = self._accepted_with_events()
        return self._with_events

    def _accepted_with_events(self) -> str:
        """The same statement for any group: the group's rows and its events are two
        JSON parameters, read back as rows by jsonb_to_recordset."""
        sent = _record_of(Recipient, dict(zip(ACCEPTED_VALUES, SENT_FIELDS, strict=True)))
        names = ", ".join(f"e_{name}" for name in EVENT_COLUMNS)
        written = _record_of(Event, {f"e_{name}": name for name in EVENT_COLUMNS})
        return (
            f"WITH sent AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS s({sent})), "
            f"accepted AS (UPDATE {self._table} {self._set} RETURNING {self._id} AS id), "
            "written AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) "
            f"AS w({written}, place integer)) "
            f"{self._insert}SELECT {names} FROM written "
            "JOIN accepted ON accepted.id = written.e_recipient ORDER BY written.place "
            f"RETURNING {column(Event, 'recipient')}"
        )

    def claim(self, pick: str, fields: tuple[str, ...]) -> str:
        """The UPDATE that leases to a worker the rows whose ids `pick` selects (the
        ORM's query of the due rows, with SKIP LOCKED on PostgreSQL), returning their
        `fields`; its parameters: `pick`'s, then the lease owner and the lease's end.
        Picking the ids, leasing them and reading the leased rows back were three
        statements, two of them with 200 ids in an IN list to build and bind.

        The ids are picked in a materialised CTE, run once: as `id IN (pick)`,
        PostgreSQL may run the subquery again for the rows it joins, and leased more
        rows than `pick`'s LIMIT (5 of a limit of 3, once in a test run). On PostgreSQL
        the leased rows are found by primary key from an array of those ids: joined to
        the CTE instead, the planner chose to hash it and scan the whole table once it
        knew the table's size (3 to 7 ms a claim at 10,000 rows)."""
        returned = ", ".join(column(Recipient, name) for name in fields)
        lease = (
            f"WITH picked (claimed_id) AS MATERIALIZED ({pick}) "
            f"UPDATE {self._table} SET {column(Recipient, 'lease_owner')} = %s, "
            f"{column(Recipient, 'lease_until')} = %s "
        )
        if self.vendor == "postgresql":
            found = f"WHERE {self._id} = ANY(ARRAY(SELECT claimed_id FROM picked))"
        else:
            found = f"FROM picked WHERE {self._id} = picked.claimed_id"
        return f"{lease}{found} RETURNING {returned}"

    def _driver(self, sql: str) -> str:
        """In the driver's own parameter style, for its cursor."""
        return sql.replace("%s", "?") if self.vendor == "sqlite" else sql


def _record_of(model: type[models.Model], columns: dict[str, str]) -> str:
    """PostgreSQL: a record definition ("name type, ...") of the given names, each
    typed as the model field it names."""
    types = []
    for name, field_name in columns.items():
        field = model._meta.get_field(field_name)
        assert isinstance(field, models.Field)
        types.append(f"{name} {field.db_type(connection)}")
    return ", ".join(types)


def statistics_refresh(model: type[models.Model], fields: tuple[str, ...]) -> None:
    """PostgreSQL: refresh the planner's statistics of these fields' columns (ANALYZE of
    those alone: of the whole recipients table it took 220 ms at 10,000 rows, its wide
    text and JSON columns most of it)."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(column(model, name) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table} ({columns})")


_statements: Statements | None = None


def statements() -> Statements:
    global _statements
    if _statements is None or _statements.vendor != connection.vendor:
        _statements = Statements()
    return _statements
