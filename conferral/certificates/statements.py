"""Hand-written SQL of the certificates app: recipients and events written in bulk.

Reviewed SQL lives in this module and in conferral.delivery.statements only: table and
column names come from the models, quoted by the backend; every value is a parameter."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from conferral.certificates.models import Certificate, Event, Recipient
from conferral.certificates.search import fold_text
from conferral.certificates.search_backlog import Span, searched_later
from conferral.certificates.status import initial_email_status
from conferral.certificates.tally_triggers import inserts_counted_at_once
from conferral.certificates.validation import CleanRow
from conferral.core import ids

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper
    from psycopg import Copy

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


ROW_COLUMNS = ("name", "email", "attributes", "email_status")
"""The recipient columns whose values come from each row (`_row_values`); the fresh ids
and token are drawn for each row too (FRESH_PER_ROW), and every other column's value is
shared by a chunk's rows (`_shared_values`)."""


def _recipient_fields() -> tuple[list[models.Field[Any, Any]], list[models.Field[Any, Any]]]:
    """The recipient columns an insert writes: those with a value of each row's own,
    then those every row of a chunk shares."""
    fields = [f for f in Recipient._meta.concrete_fields if not f.primary_key and not f.generated]
    varying = [f for f in fields if f.attname in ROW_COLUMNS or f.default in FRESH_PER_ROW]
    return varying, [f for f in fields if f not in varying]


def _columns_sql(fields: list[models.Field[Any, Any]]) -> str:
    return ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)


@dataclass
class RecipientsCopy:
    """PostgreSQL: the COPY `recipients_copy` keeps open, what the tallies need of its
    rows (`inserts_counted_at_once`): the public id of the first row of each email
    status, and how many rows have that status; and the span of rows whose search text
    the backlog gets (`searched_later`)."""

    copy: Copy
    alike: dict[str, int] = field(default_factory=dict)
    firsts: dict[str, str] = field(default_factory=dict)
    span: Span = field(default_factory=Span)

    def count(self, part: dict[str, tuple[str, int]]) -> None:
        """Add a chunk's rows, as `_alike` gives them."""
        for status, (public_id, n) in part.items():
            first = self.firsts.setdefault(status, public_id)
            self.alike[first] = self.alike.get(first, 0) + n


@contextmanager
def recipients_copy() -> Iterator[RecipientsCopy | None]:
    """PostgreSQL: one COPY into the recipient table for the block, for `recipients_insert`
    to write chunk after chunk into, so that the server writes a chunk while the next is
    read and checked (a COPY per chunk waited for the server at the end of each), its
    rows counted into the tallies at once after it, and their search text left to the
    backlog (conferral.certificates.search_backlog). No other statement can run on the
    connection until the block ends. On SQLite, None."""
    if connection.vendor != "postgresql":
        yield None
        return
    varying, shared = _recipient_fields()
    table = connection.ops.quote_name(Recipient._meta.db_table)
    sql = f"COPY {table} ({_columns_sql([*varying, *shared])}) FROM STDIN"
    alike: dict[str, int] = {}
    span = Span()
    with (
        connection.cursor() as cursor,
        inserts_counted_at_once(cursor, alike),
        searched_later(cursor, span),
        cursor.copy(sql) as copy,
    ):
        yield RecipientsCopy(copy, alike, span=span)


def recipients_insert(
    certificate: Certificate, rows: list[CleanRow], copy: RecipientsCopy | None
) -> list[str]:
    """Insert clean rows in bulk and return their public ids, in row order; `copy` is
    what `recipients_copy` gives (the COPY on PostgreSQL, None on SQLite).

    `bulk_create` prepares every one of a recipient's ~30 fields through the ORM, which
    made it most of the cost of a large import. Here the fields a new recipient leaves
    at their default are prepared once per call, and only the per-row values (name,
    address, attributes, status, and a fresh token and public ids) are made for each
    row. On PostgreSQL the rows go in through COPY, several times faster than INSERTs;
    on SQLite through multi-row INSERTs that bind the shared values once per statement
    (binding ~30 parameters for every row had doubled the time of the INSERTs)."""
    if not rows:
        return []
    varying, shared = _recipient_fields()
    own = _row_values(rows)
    constants = _shared_values(certificate, shared)
    params = list(zip(*(own[f.attname] for f in varying), strict=True))
    if copy is None:
        _sqlite_insert(varying, shared, constants, params)
    else:
        tail = tuple(constants)
        write_row = copy.copy.write_row
        for values in params:
            write_row(values + tail)
        copy.count(_alike(params, *_alike_columns(varying)))
        copy.span.add(certificate.pk, own["public_id"])
    return list(own["public_id"])


def _row_values(rows: list[CleanRow]) -> dict[str, list[Any]]:
    """The values of each row's own columns, by column name: the row's, those computed
    from them (the email status, the attributes as JSON) and fresh ids and a token."""
    values: dict[str, list[Any]] = {
        "name": [row.name for row in rows],
        "email": [row.email for row in rows],
        "attributes": attributes_json([row.attributes for row in rows]),
        "email_status": [initial_email_status(row.email) for row in rows],
    }
    for f in Recipient._meta.concrete_fields:
        if f.default in FRESH_PER_ROW:
            values[f.attname] = FRESH_PER_ROW[f.default](len(rows))
    return values


def _shared_values(certificate: Certificate, shared: list[models.Field[Any, Any]]) -> list[Any]:
    """The values of the columns a chunk's rows share, ready for the database. JSON as
    its text (what both databases are given for it): PostgreSQL's adapter would encode
    it again for every row of a COPY."""
    now = timezone.now()
    values: list[Any] = []
    for f in shared:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        value = now if auto_now else f.get_default()
        if isinstance(f, models.JSONField):
            values.append(json.dumps(value))
        else:
            values.append(f.get_db_prep_save(value, connection))
    values[shared.index(Recipient._meta.get_field("certificate"))] = certificate.pk
    return values


def _sqlite_insert(
    varying: list[models.Field[Any, Any]],
    shared: list[models.Field[Any, Any]],
    constants: list[Any],
    params: list[tuple[Any, ...]],
) -> None:
    """Multi-row INSERTs of the rows' own values, the shared ones bound once per
    statement, each counted into the tallies at once (`inserts_counted_at_once`).

    The INSERTs are written in sqlite3's own parameter style and run on the driver's
    cursor, inside Django's connection and transaction: Django's cursor rewrites every
    %s of a statement to ? with a regular expression, which over these statements of
    32,000 parameters cost an import 0.25 CPU s per 100,000 rows."""
    # SELECT's result columns of VALUES are column1, column2, …: the rows' own
    # values and their folded search column (`fold_text`: written here, not by the
    # trigger, as conferral.certificates.search_triggers says), then the shared ones,
    # each bound once.
    names = [f.attname for f in varying]
    name, email = names.index("name"), names.index("email")
    rows = [(*values, fold_text(values[name], values[email])) for values in params]
    search = shared.index(Recipient._meta.get_field("search_text"))
    shared_sql = ["?"] * len(shared)
    shared_sql[search] = f"column{len(varying) + 1}"
    constants = constants[:search] + constants[search + 1 :]
    width = len(varying) + 1
    select = ", ".join([*(f"column{n}" for n in range(1, len(varying) + 1)), *shared_sql])
    placeholders = "(" + ", ".join(["?"] * width) + ")"
    per_statement = max(1, (_sqlite_max_params() - len(constants)) // width)
    table = connection.ops.quote_name(Recipient._meta.db_table)
    columns = _columns_sql([*varying, *shared])
    columns_alike = _alike_columns(varying)
    with connection.cursor() as cursor, closing(connection.connection.cursor()) as driver:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            alike = dict(_alike(part, *columns_alike).values())
            with inserts_counted_at_once(cursor, alike), connection.wrap_database_errors:
                driver.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {select} "
                    f"FROM (VALUES {', '.join([placeholders] * len(part))})",
                    [*constants, *chain.from_iterable(part)],
                )


def _alike_columns(varying: list[models.Field[Any, Any]]) -> tuple[int, int]:
    """Where a row's public id and email status are among its own values."""
    names = [f.attname for f in varying]
    return names.index("public_id"), names.index("email_status")


def _alike(
    part: list[tuple[Any, ...]], public_id: int, email_status: int
) -> dict[str, tuple[str, int]]:
    """For each email status among the rows, the public id of its first row and how many
    rows have it: rows written together differ in nothing else their tally key is made
    of (the rest of it is made of the values they share, the same in every chunk)."""
    statuses = [values[email_status] for values in part]
    counts = Counter(statuses)
    return {status: (part[statuses.index(status)][public_id], n) for status, n in counts.items()}


def attributes_json(attributes: list[dict[str, str]]) -> list[str]:
    """Each of a chunk's attributes as JSON text, exactly as `json.dumps` writes it (and
    so as Django's JSONField would): clean attributes are text under text names, so a
    row's JSON is the template of its names (made once per set of names: once per file,
    for an import) filled with its values, each quoted by the json module's own
    function, in about a third of the time of json.dumps (measured on 1,000 rows of two
    attributes)."""
    quote = encode_basestring_ascii
    templates: dict[tuple[str, ...], str] = {}
    texts = []
    for values in attributes:
        names = tuple(values)
        template = templates.get(names)
        if template is None:
            pairs = (quote(name).replace("%", "%%") + ": %s" for name in names)
            template = templates[names] = "{" + ", ".join(pairs) + "}"
        texts.append(template % tuple(map(quote, values.values())))
    return texts


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


EVENT_ROWS_A_STATEMENT = 100


def event_rows_insert(cursor: CursorWrapper, rows: list[tuple[Any, ...]]) -> None:
    """SQLite: event rows in EVENT_COLUMNS order, written by INSERTs of up to
    EVENT_ROWS_A_STATEMENT rows each. An executemany, a statement a row, took about
    twice as long: 74 to 118 ms against 34 to 58 ms for 10,000 rows, measured here."""
    per_statement = max(1, min(EVENT_ROWS_A_STATEMENT, _sqlite_max_params() // len(EVENT_COLUMNS)))
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        cursor.execute(event_rows_sql(len(part)), [value for row in part for value in row])


@lru_cache(maxsize=16)
def event_rows_sql(rows: int) -> str:
    """An INSERT of `rows` events, a parameter per column of each."""
    one = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
    return event_insert_head() + "VALUES " + ", ".join([one] * rows)


def event_copy_sql() -> str:
    """PostgreSQL: a COPY of event rows in EVENT_COLUMNS order."""
    columns = ", ".join(column(Event, name) for name in EVENT_COLUMNS)
    return f"COPY {connection.ops.quote_name(Event._meta.db_table)} ({columns}) FROM STDIN"
