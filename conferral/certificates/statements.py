"""Hand-written SQL of the certificates app: recipients and events written in bulk.

Reviewed SQL lives in this module and in conferral.delivery.statements only: table and
column names come from the models, quoted by the backend; every value is a parameter."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from itertools import chain
from typing import Any

from django.db import connection, models
from django.utils import timezone

from conferral.certificates.models import Certificate, Event, Recipient
from conferral.certificates.status import initial_email_status
from conferral.certificates.validation import CleanRow
from conferral.core import ids

# An event row's columns, in the order of conferral.certificates.events.NewEvent.params().
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
# Recipient column defaults that must be drawn anew for every row, and how a chunk's
# worth of them is drawn at once (from the same random source, as strong).
FRESH_PER_ROW: dict[Callable[[], str], Callable[[int], list[str]]] = {
    ids.public_id: ids.public_ids,
    ids.new_token: ids.new_tokens,
}


def recipients_insert(certificate: Certificate, rows: list[CleanRow]) -> list[str]:
    """Insert clean rows in bulk and return their public ids, in row order.

    `bulk_create` prepares every one of a recipient's ~30 fields through the ORM, which
    made it most of the cost of a large import. Here the fields a new recipient leaves
    at their default are prepared once per call, and only the per-row values (name,
    address, attributes, status, and a fresh token and public ids) are made for each
    row. On PostgreSQL the rows go in through COPY, several times faster than INSERTs;
    on SQLite through multi-row INSERTs that bind the shared values once per statement
    (binding ~30 parameters for every row had doubled the time of the INSERTs)."""
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in Recipient._meta.concrete_fields if not f.primary_key and not f.generated]
    adapt_json = connection.ops.adapt_json_value
    per_row: dict[str, list[Any]] = {
        "name": [row.name for row in rows],
        "email": [row.email for row in rows],
        "attributes": [adapt_json(row.attributes, None) for row in rows],
        "email_status": [initial_email_status(row.email) for row in rows],
    }
    for f in fields:
        if f.default in FRESH_PER_ROW:
            per_row[f.attname] = FRESH_PER_ROW[f.default](len(rows))
    varying = [f for f in fields if f.attname in per_row]
    shared = [f for f in fields if f.attname not in per_row]
    constants: list[Any] = []
    for f in shared:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        value = now if auto_now else f.get_default()
        constants.append(f.get_db_prep_save(value, connection))
    constants[shared.index(Recipient._meta.get_field("certificate"))] = certificate.pk
    params = list(zip(*(per_row[f.attname] for f in varying), strict=True))
    quote = connection.ops.quote_name
    table = quote(Recipient._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in [*varying, *shared])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tail = tuple(constants)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values + tail)
        else:
            # SELECT's result columns of VALUES are column1, column2, …: the rows' own
            # values, then the shared ones, each bound once.
            select = ", ".join(
                [*(f"column{n}" for n in range(1, len(varying) + 1)), *(["%s"] * len(shared))]
            )
            placeholders = "(" + ", ".join(["%s"] * len(varying)) + ")"
            per_statement = max(1, (_sqlite_max_params() - len(shared)) // len(varying))
            for start in range(0, len(params), per_statement):
                part = params[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {select} "
                    f"FROM (VALUES {', '.join([placeholders] * len(part))})",
                    [*constants, *chain.from_iterable(part)],
                )
    return list(per_row["public_id"])


def _sqlite_max_params() -> int:
    """How many parameters one statement may have on this SQLite build (32,766 by
    default since 3.32; Django assumes the old 999 everywhere)."""
    connection.ensure_connection()
    limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return limit


def column(model: type[models.Model], name: str) -> str:
    """A model field's column, quoted for the current database."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


def event_insert_head() -> str:
    """`INSERT INTO <events> (<EVENT_COLUMNS>) `, for the statements that write events."""
    columns = ", ".join(column(Event, name) for name in EVENT_COLUMNS)
    return f"INSERT INTO {connection.ops.quote_name(Event._meta.db_table)} ({columns}) "


def event_insert_sql() -> str:
    """An INSERT of one event, with a parameter per column (for executemany)."""
    return event_insert_head() + "VALUES (" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"


def event_copy_sql() -> str:
    """PostgreSQL: a COPY of event rows in EVENT_COLUMNS order."""
    columns = ", ".join(column(Event, name) for name in EVENT_COLUMNS)
    return f"COPY {connection.ops.quote_name(Event._meta.db_table)} ({columns}) FROM STDIN"
