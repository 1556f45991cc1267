# ruff: noqa: S608 (reviewed SQL: names are this module's constants, no value is spliced in)
"""The database triggers that keep RecipientTally exact, for SQLite and PostgreSQL, and
the from-scratch count that fills it: the one home of which recipient columns make a
tally's key.

Triggers rather than application code: recipients change through the ORM, through
hand-written bulk UPDATEs (the outbox, tracking), through COPY (imports) and through
cascades, and a trigger sees every one of them in the writer's own transaction, so a
tally is never ahead of or behind the rows it counts.

- SQLite runs a row trigger: an UPDATE that changes none of the key's columns (a lease,
  an attempt count) is skipped by the trigger's WHEN; otherwise one upsert takes 1 from
  the old combination and one adds 1 to the new.
- PostgreSQL runs a statement trigger over the transition tables: a bulk UPDATE of
  50,000 recipients costs one grouped upsert, in key order (two writers lock counter
  rows in the same order, so they cannot deadlock each other within a statement), into
  the writer's own slot (RecipientTally says why).
- On both, the insert trigger counts nothing while an import counts its own rows with
  one upsert per key instead (`inserts_counted_at_once`).

A table rebuild drops its triggers (Django's SQLite schema editor rebuilds a table for
most field changes): a migration that alters the recipient table calls `install` again
after it (`recipients_tally_install` is a RunPython for that);
conferral/certificates/tests/test_tally_triggers.py fails if a trigger is missing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import CursorWrapper

from conferral.certificates.models import TALLY_SLOTS

RECIPIENTS = "certificates_recipient"
CERTIFICATES = "certificates_certificate"
TALLY = "certificates_recipienttally"

# Tally column -> the recipient column whose being set it records.
SET_COLUMNS = {
    "sent": "first_sent_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
    "machine_opened": "machine_opened_at",
    "machine_clicked": "machine_clicked_at",
    "revoked": "revoked_at",
    "downloaded": "downloaded_at",
    "linkedin_added": "linkedin_added_at",
}
# Tally column -> what the JSON text of `shared` contains (conferral.certificates.facts
# matches the same text: an element in double quotes; any quote means a share at all).
SHARED_TEXT = {
    "shared_linkedin": '"linkedin"',
    "shared_facebook": '"facebook"',
    "shared_x": '"x"',
    "shared_any": '"',
}
KEY = ("certificate_id", "email_status", "status", *SET_COLUMNS, *SHARED_TEXT)
"""The tally's key as the models have it; `install` uses the part of it the migrated
schema has so far (see `_key_as_migrated`)."""
TRIGGERS = (
    "recipient_tally_insert",
    "recipient_tally_update",
    "recipient_tally_delete",
    "recipient_tally_truncate",
    "certificate_tally_delete",
)
"""Every trigger `install` creates (SQLite has no TRUNCATE, so not the fourth)."""
INSERT_SWITCH = "CONFERRAL_TALLY_INSERTS"
"""SQLite: the function the insert trigger's WHEN reads, 1 unless the rows being inserted
are counted at once (`inserts_counted_at_once`); `insert_switch_register` gives it to
every connection."""
INSERT_SETTING = "conferral.tally_inserts"
"""PostgreSQL: the setting the insert trigger's WHEN reads, 'off' while the rows being
inserted are counted at once (a setting of the session, for its transaction only)."""
_ROW_BY_ROW: ContextVar[int] = ContextVar("tally_row_by_row", default=1)


def _key_values(row: str, vendor: str, key: tuple[str, ...]) -> list[str]:
    """The `key` of recipient row `row` (NEW, OLD or a table alias) as SQL expressions."""
    values = [f"{row}.certificate_id", f"{row}.email_status", f"{row}.status"]
    values += [f"{row}.{SET_COLUMNS[name]} IS NOT NULL" for name in key if name in SET_COLUMNS]
    for text in SHARED_TEXT.values():
        literal = "'" + text.replace("'", "''") + "'"
        if vendor == "postgresql":
            values.append(f"strpos({row}.shared::text, {literal}) > 0")
        else:
            values.append(f"instr({row}.shared, {literal}) > 0")
    return values


def _upsert_head(key: tuple[str, ...]) -> str:
    return f"INSERT INTO {TALLY} (slot, {', '.join(key)}, n) "


def _upsert_tail(key: tuple[str, ...]) -> str:
    conflict = ", ".join(("certificate_id", "slot", *key[1:]))
    return f" ON CONFLICT ({conflict}) DO UPDATE SET n = {TALLY}.n + excluded.n"


def _sqlite_row_upsert(row: str, delta: int, key: tuple[str, ...]) -> str:
    values = ", ".join(_key_values(row, "sqlite", key))
    # SELECT … WHERE true: SQLite's parser needs the WHERE before an upsert's ON CONFLICT.
    return f"{_upsert_head(key)}SELECT 0, {values}, {delta} WHERE true{_upsert_tail(key)};"


def _sqlite_sql(key: tuple[str, ...], switched: bool) -> list[str]:
    when_counting = f"WHEN {INSERT_SWITCH}() " if switched else ""
    changed = " OR ".join(
        f"({old}) IS NOT ({new})"
        for old, new in zip(
            _key_values("OLD", "sqlite", key), _key_values("NEW", "sqlite", key), strict=True
        )
    )
    return [
        f"CREATE TRIGGER recipient_tally_insert AFTER INSERT ON {RECIPIENTS} "
        f"FOR EACH ROW {when_counting}BEGIN {_sqlite_row_upsert('NEW', 1, key)} END",
        f"CREATE TRIGGER recipient_tally_update AFTER UPDATE ON {RECIPIENTS} "
        f"FOR EACH ROW WHEN {changed} BEGIN "
        f"{_sqlite_row_upsert('OLD', -1, key)} {_sqlite_row_upsert('NEW', 1, key)} END",
        f"CREATE TRIGGER recipient_tally_delete AFTER DELETE ON {RECIPIENTS} "
        f"FOR EACH ROW BEGIN {_sqlite_row_upsert('OLD', -1, key)} END",
        f"CREATE TRIGGER certificate_tally_delete AFTER DELETE ON {CERTIFICATES} "
        f"FOR EACH ROW BEGIN DELETE FROM {TALLY} WHERE certificate_id = OLD.id; END",
    ]


def _postgresql_grouped(source: str, key: tuple[str, ...]) -> str:
    """The upsert of `source` (rows of `key` and a delta `d`) summed by key, in key order."""
    columns = ", ".join(key)
    return (
        f"{_upsert_head(key)}SELECT mod(pg_backend_pid(), {TALLY_SLOTS}), {columns}, sum(d) "
        f"FROM ({source}) AS change GROUP BY {columns} HAVING sum(d) <> 0 "
        f"ORDER BY {columns}{_upsert_tail(key)};"
    )


def _postgresql_rows(table: str, delta: int, key: tuple[str, ...]) -> str:
    values = ", ".join(
        f"{value} AS {name}"
        for value, name in zip(_key_values("r", "postgresql", key), key, strict=True)
    )
    return f"SELECT {values}, {delta} AS d FROM {table} AS r"


def _postgresql_sql(key: tuple[str, ...], switched: bool) -> list[str]:
    when_counting = (
        f"WHEN (current_setting('{INSERT_SETTING}', true) IS DISTINCT FROM 'off') "
        if switched
        else ""
    )
    added = _postgresql_rows("new_rows", 1, key)
    removed = _postgresql_rows("old_rows", -1, key)
    function = f"""
CREATE OR REPLACE FUNCTION recipient_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_postgresql_grouped(added, key)}
    ELSIF TG_OP = 'DELETE' THEN
        {_postgresql_grouped(removed, key)}
    ELSE
        {_postgresql_grouped(f"{added} UNION ALL {removed}", key)}
    END IF;
    RETURN NULL;
END $$"""
    return [
        function,
        "CREATE OR REPLACE FUNCTION recipient_tally_truncate() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {TALLY}; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION certificate_tally_delete() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {TALLY} WHERE certificate_id = OLD.id; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER recipient_tally_insert AFTER INSERT ON {RECIPIENTS} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT {when_counting}"
        "EXECUTE FUNCTION recipient_tally()",
        f"CREATE TRIGGER recipient_tally_update AFTER UPDATE ON {RECIPIENTS} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION recipient_tally()",
        f"CREATE TRIGGER recipient_tally_delete AFTER DELETE ON {RECIPIENTS} "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION recipient_tally()",
        f"CREATE TRIGGER recipient_tally_truncate AFTER TRUNCATE ON {RECIPIENTS} "
        "FOR EACH STATEMENT EXECUTE FUNCTION recipient_tally_truncate()",
        f"CREATE TRIGGER certificate_tally_delete AFTER DELETE ON {CERTIFICATES} "
        "FOR EACH ROW EXECUTE FUNCTION certificate_tally_delete()",
    ]


def _drop_sql(vendor: str) -> list[str]:
    on = {name: RECIPIENTS for name in TRIGGERS} | {"certificate_tally_delete": CERTIFICATES}
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in on.items()]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def _key_as_migrated(connection: BaseDatabaseWrapper) -> tuple[str, ...]:
    """KEY without the columns the tally table does not have yet: an earlier migration
    installs the triggers of its own time (0010 before 0013 added `machine_clicked`),
    and the migration that adds a key column installs them again after it."""
    with connection.cursor() as cursor:
        present = {
            column.name for column in connection.introspection.get_table_description(cursor, TALLY)
        }
    return tuple(name for name in KEY if name in present)


def install(connection: BaseDatabaseWrapper, *, switched: bool = True) -> None:
    """(Re)create the triggers and recount every tally from the recipient rows.
    `switched=False`: the insert trigger as it was before it read INSERT_SWITCH or
    INSERT_SETTING (migration 0015 going back)."""
    vendor = connection.vendor
    key = _key_as_migrated(connection)
    values = ", ".join(_key_values(RECIPIENTS, vendor, key))
    statements = [
        *_drop_sql(vendor),
        *(_postgresql_sql(key, switched) if vendor == "postgresql" else _sqlite_sql(key, switched)),
        f"DELETE FROM {TALLY}",
        f"{_upsert_head(key)}SELECT 0, {values}, count(*) FROM {RECIPIENTS} GROUP BY {values}",
    ]
    statements_run(connection, statements)


def statements_run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    """Run each statement in turn (the triggers' DDL: no parameters)."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def recipients_tally_install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython: `install`."""
    install(schema_editor.connection)


def recipients_tally_uninstall(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython's reverse: drop the triggers (the tally table goes with the migration)."""
    statements_run(schema_editor.connection, _drop_sql(schema_editor.connection.vendor))


def insert_switch_register(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A `connection_created` receiver: give a new SQLite connection INSERT_SWITCH."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(INSERT_SWITCH, 0, _ROW_BY_ROW.get)


@contextmanager
def inserts_counted_at_once(cursor: CursorWrapper, alike: dict[str, int]) -> Iterator[None]:
    """The recipients the block's INSERT or COPY statement adds, counted after it by one
    upsert per tally key, in key order, instead of by the insert trigger (whose WHEN
    reads INSERT_SWITCH or INSERT_SETTING). `alike`, read when the block ends, maps the
    public id of one of the rows to how many of them have the same tally key, for each
    key among them; the key itself is read from that row.

    SQLite's row trigger upserted a tally row for every imported row: about 12 % of the
    INSERTs' work (instructions counted over 10,000 rows), where reading the rows back
    to count them in groups took 0.34 CPU s per 100,000. PostgreSQL's statement trigger
    counts a statement's rows at once, but grouping the 100,000 rows of an import's
    COPY took the server about 0.5 s after the last row. A statement that fails leaves
    no row and nothing is counted; on PostgreSQL the failed transaction (or savepoint)
    takes the setting back with it."""
    postgresql = cursor.db.vendor == "postgresql"
    if postgresql:
        cursor.execute("SELECT set_config(%s, 'off', true)", [INSERT_SETTING])
        yield
        cursor.execute("SELECT set_config(%s, 'on', true)", [INSERT_SETTING])
    else:
        switch = _ROW_BY_ROW.set(0)
        try:
            yield
        finally:
            _ROW_BY_ROW.reset(switch)
    if not alike:
        return
    slot = f"mod(pg_backend_pid(), {TALLY_SLOTS})" if postgresql else "0"
    values = ", ".join(_key_values("r", cursor.db.vendor, KEY))
    counts = " UNION ALL ".join(["SELECT %s AS public_id, %s AS n"] * len(alike))
    cursor.execute(
        f"{_upsert_head(KEY)}SELECT {slot}, {values}, counted.n "
        f"FROM {RECIPIENTS} AS r, ({counts}) AS counted WHERE r.public_id = counted.public_id "
        f"ORDER BY {values}{_upsert_tail(KEY)}",
        [value for public_id, n in alike.items() for value in (public_id, n)],
    )
