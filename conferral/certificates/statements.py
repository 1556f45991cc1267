"""Hand-written SQL of the certificates app: recipients and events written in bulk.

Reviewed SQL lives in this module and in conferral.delivery.statements only: table and
column names come from the models, quoted by the backend; every value is a parameter."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.utils import timezone

from conferral.certificates.models import Certificate, Event, Recipient
from conferral.certificates.status import initial_email_status
from conferral.certificates.validation import CleanRow

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
# Recipient columns whose default must be drawn anew for every row.
FRESH_PER_ROW = ("public_id", "credential_id", "token")


def recipients_insert(certificate: Certificate, rows: list[CleanRow]) -> list[str]:
    """Insert clean rows with one executemany and return their public ids.

    `bulk_create` prepares every one of a recipient's ~30 fields through the ORM, which
    made it most of the cost of a large import. Here the fields a new recipient leaves
    at their default are prepared once per call, and only the per-row values (name,
    address, attributes, status, and a fresh token and public ids) are set for each row.
    On PostgreSQL the rows go in through COPY, several times faster than INSERTs."""
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in Recipient._meta.concrete_fields if not f.primary_key and not f.generated]
    position = {f.attname: index for index, f in enumerate(fields)}
    given = ("certificate_id", "name", "email", "attributes", "email_status", "public_id")
    unique = [(position[f.attname], f.get_default) for f in fields if f.attname in FRESH_PER_ROW]
    template: list[Any] = []
    for f in fields:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        template.append(f.get_db_prep_save(now if auto_now else f.get_default(), connection))
    at = [position[name] for name in given]
    adapt_json = connection.ops.adapt_json_value
    params = []
    public_ids = []
    for row in rows:
        values = template.copy()
        for index, make in unique:
            values[index] = make()
        public_id = values[at[5]]
        values[at[0]] = certificate.pk
        values[at[1]] = row.name
        values[at[2]] = row.email
        values[at[3]] = adapt_json(row.attributes, None)
        values[at[4]] = initial_email_status(row.email)
        public_ids.append(public_id)
        params.append(values)
    quote = connection.ops.quote_name
    table = quote(Recipient._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)
    return public_ids


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
