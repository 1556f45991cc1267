"""The sending hot path's SQL, written once per database vendor.

Recording a delivery through the ORM (an UPDATE with CASE / COALESCE / F and two saved
events) cost about 2 ms of query building a message, more than building and sending the
message together. These are the same statements in portable SQL (no vendor syntax: they
run on SQLite and PostgreSQL). The email status is set by the status machine's own
expression (`Transition.sql`), the event rows are built by the event seam
(`NewEvent.params()`, in the seam's column order), and every value is adapted by the
backend's own operations, so the database receives exactly what the ORM would have
written."""

from __future__ import annotations

from django.db import connection

from conferral.certificates.models import Recipient
from conferral.certificates.statements import EVENT_COLUMNS, column, event_insert_head
from conferral.certificates.status import Step, transition

_EVENT_VALUES = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"


class Statements:
    """`accepted` (UPDATE of a delivered recipient, conditional on its lease, with
    `accepted_params` before its own: two times, the reply, the provider's message id,
    the recipient and the lease owner), `two_events` (INSERT of two events, for the
    driver's own cursor) and, used on PostgreSQL only, `accepted_with_events` (the two
    as one statement)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        quote = connection.ops.quote_name

        def col(name: str) -> str:
            return column(Recipient, name)

        status_sql, self.accepted_params = transition(Step.DELIVER).sql(col("email_status"))
        self.accepted = (
            f"UPDATE {quote(Recipient._meta.db_table)} SET "
            f"{col('email_status')} = {status_sql}, "
            f"{col('first_sent_at')} = COALESCE({col('first_sent_at')}, %s), "
            f"{col('delivered_at')} = %s, "
            f"{col('sends')} = {col('sends')} + 1, "
            f"{col('last_reply')} = %s, "
            f"{col('provider_message_id')} = %s, "
            f"{col('bounce_kind')} = '', "
            f"{col('next_attempt_at')} = NULL, "
            f"{col('lease_owner')} = '', "
            f"{col('lease_until')} = NULL "
            f"WHERE {col('id')} = %s AND {col('lease_owner')} = %s"
        )
        insert = event_insert_head()
        self.two_events = f"{insert}VALUES {_EVENT_VALUES}, {_EVENT_VALUES}"
        # PostgreSQL: the update and both events in one statement (one round trip, its
        # own transaction); the events are only written if the update hit its row.
        values = ", ".join(["%s"] * (len(EVENT_COLUMNS) - 2))
        event = f"SELECT {col('id')}, {col('certificate')}, {values}"
        self.accepted_with_events = (
            f"WITH accepted AS ({self.accepted} "
            f"RETURNING {col('id')}, {col('certificate')}) "
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
