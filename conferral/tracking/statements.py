"""Hand-written SQL of the tracking hot path: the click's one read and the journal's bulk
writes, each an executemany or a single indexed statement where the ORM would build a
query per call (or a CASE per row). Table and column names come from the models, quoted
by the backend; every value is a parameter."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection

from conferral.certificates.models import Event, Recipient
from conferral.certificates.statements import column
from conferral.core.driver import driver_cursor

# The recipient columns a batch of hits may change, in the order of the UPDATE's values.
HIT_COLUMNS = (
    "opened_at",
    "machine_opened_at",
    "clicked_at",
    "machine_clicked_at",
    "email_status",
)


def _table(model: type[Recipient] | type[Event]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=4)
def _token_select(vendor: str) -> str:
    """The token of the recipient with a public id (its unique index), in the driver's
    parameter style."""
    mark = "?" if vendor == "sqlite" else "%s"
    return (
        f"SELECT {column(Recipient, 'token')} FROM {_table(Recipient)} "  # noqa: S608
        f"WHERE {column(Recipient, 'public_id')} = {mark}"
    )


def token_of(public_id: str) -> str | None:
    """The token of the recipient with `public_id`, None if there is none: a click's
    one read, through the driver's cursor, prepared on PostgreSQL (conferral.core.driver).
    Through Django's cursor it cost the web process 63 µs and PostgreSQL 57 µs; this way
    40 and 36 (20,000 lookups on loopback, each process's CPU time)."""
    sql = _token_select(connection.vendor)
    cursor = driver_cursor()
    try:
        # As Django's cursor does: a driver's error raised as Django's, and a connection
        # that broke marked so, to be replaced.
        with connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                cursor.execute(sql, [public_id], prepare=True)
            else:
                cursor.execute(sql, [public_id])
            row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else str(row[0])


def hit_columns_update_sql() -> str:
    """Set the HIT_COLUMNS of one recipient (for executemany: values, then its id)."""
    sets = ", ".join(f"{column(Recipient, name)} = %s" for name in HIT_COLUMNS)
    return f"UPDATE {_table(Recipient)} SET {sets} WHERE {column(Recipient, 'id')} = %s"  # noqa: S608


def event_detail_update_sql() -> str:
    """Set the detail of one event (for executemany: the detail, then its id)."""
    return (
        f"UPDATE {_table(Event)} SET {column(Event, 'detail')} = %s "  # noqa: S608
        f"WHERE {column(Event, 'id')} = %s"
    )


def event_verdict_update_sql() -> str:
    """Set the machine flag and the detail of one event, a person's hit found to be a
    machine's (for executemany: the flag, the detail, then its id)."""
    return (
        f"UPDATE {_table(Event)} SET {column(Event, 'machine')} = %s, "  # noqa: S608
        f"{column(Event, 'detail')} = %s WHERE {column(Event, 'id')} = %s"
    )


def inferred_open_update_sql() -> str:
    """Set the machine flag and the detail of the open a click inferred, known by its
    recipient, type, time and client (for executemany: the flag, the detail, the
    recipient's id, the type, the time, the client hash, and False: only a person's)."""
    return (
        f"UPDATE {_table(Event)} SET {column(Event, 'machine')} = %s, "  # noqa: S608
        f"{column(Event, 'detail')} = %s WHERE {column(Event, 'recipient')} = %s "
        f"AND {column(Event, 'type')} = %s AND {column(Event, 'at')} = %s "
        f"AND {column(Event, 'client_hash')} = %s AND {column(Event, 'machine')} = %s"
    )


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def seen_select_sql(clicks: Sequence[tuple[int, int]], honeypot: int, codes: int) -> str:
    """The stored opens and clicks a batch's sequence rules need (conferral.tracking.
    sequence.stored_seen): of `codes` clients, through the email; for each of `clicks`
    (how many recipients, how many link numbers: 0 for any) the clicks of those
    recipients within a span, with one of those links, and their opens of that span
    (a scanner loads the pixel as it walks the links); and, with `honeypot` recipients,
    their opens and clicks within a span. Parameters in that order: the channel, the
    client hashes, then per part the recipients' ids, the type(s), the span's two ends
    and the links (then the open's type again)."""
    recipient, kind, at = (column(Event, name) for name in ("recipient", "type", "at"))
    if connection.vendor == "postgresql":
        link = f"({column(Event, 'detail')} ->> 'link')"
    else:
        link = f"JSON_EXTRACT({column(Event, 'detail')}, '$.link')"
    parts = []
    for ids, links in clicks:
        part = (
            f"{recipient} IN ({_marks(ids)}) AND {kind} IN (%s, %s) AND {at} >= %s AND {at} <= %s"
        )
        if links:
            part += f" AND ({link} IN ({_marks(links)}) OR {kind} = %s)"
        parts.append(f"({part})")
    if honeypot:
        parts.append(
            f"({recipient} IN ({_marks(honeypot)}) AND {kind} IN (%s, %s) "
            f"AND {at} >= %s AND {at} <= %s)"
        )
    names = ("id", "recipient", "client_hash", "type", "at", "machine", "detail")
    return (
        f"SELECT {', '.join(column(Event, name) for name in names)} "  # noqa: S608
        f"FROM {_table(Event)} WHERE {column(Event, 'channel')} = %s "
        f"AND {column(Event, 'client_hash')} IN ({_marks(codes)}) "
        f"AND ({' OR '.join(parts)}) ORDER BY {at}, {column(Event, 'id')}"
    )
