# ruff: noqa: S608 (reviewed SQL: names are this module's constants, no value is spliced in)
"""The database triggers that keep each recipient's folded name and address
(conferral.certificates.search) where a search reads them, for SQLite and PostgreSQL.

Triggers rather than application code: names and addresses change through the ORM (an
edit, an erasure), through bulk INSERTs and COPY (imports) and could through any
hand-written UPDATE, and a trigger sees each of them.

- SQLite: the recipient's plain column `search_text` (a generated column would not do:
  SQLite takes a query that names one to need every column of the row, so it would not
  answer a search from the `recipient_search` index alone). SQLite cannot change the
  row a BEFORE trigger sees, so an AFTER trigger writes the row a second time. For an
  insert only when the column came empty (`''`: a folded row holds at least the
  newline): `recipients_insert` writes it folded already (`fold_text`), since a second
  write of every imported row cost an import 2 CPU s per 100,000 rows. An UPDATE of the
  name, the address or the column writes it again unless it already holds the fold.
- PostgreSQL: the search table RecipientSearch (conferral.certificates.search_models).
  A statement trigger AFTER INSERT writes the new rows' text at once, unless an import
  leaves them to the backlog (conferral.certificates.search_backlog); a row trigger
  AFTER an UPDATE of the name or the address that changes either writes it again. A
  recipient's row there goes with it (its foreign key cascades in Django's deletion,
  and a deletion by hand that left it would fail at commit). Until migration 0019
  (`install(table=False)`) a BEFORE trigger folded into the recipient's own column.

A table rebuild drops its triggers (Django's SQLite schema editor rebuilds a table for
most field changes): a migration that rebuilds the recipient table calls
`recipients_search_install` after it, as it calls the tallies' install;
conferral/certificates/tests/test_search_writers.py fails if a trigger is missing."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from conferral.certificates.search import fold_sql
from conferral.certificates.search_backlog import SEARCH_LATER_SETTING
from conferral.certificates.tally_triggers import statements_run

RECIPIENTS = "certificates_recipient"
TEXTS = "certificates_recipientsearch"
BACKLOG = "certificates_searchbacklog"
FUNCTION = "recipient_search_fold"
TRIGGERS = {
    "sqlite": ("recipient_search_insert", "recipient_search_update"),
    "postgresql": ("recipient_search_insert", "recipient_search_update"),
}
"""Every trigger `install` creates, by database."""


def _sqlite_sql() -> list[str]:
    folded = fold_sql("sqlite", "NEW.name", "NEW.email")
    write = f"UPDATE {RECIPIENTS} SET search_text = {folded} WHERE id = NEW.id;"
    return [
        f"CREATE TRIGGER recipient_search_insert AFTER INSERT ON {RECIPIENTS} "
        f"FOR EACH ROW WHEN NEW.search_text = '' BEGIN {write} END",
        f"CREATE TRIGGER recipient_search_update "
        f"AFTER UPDATE OF name, email, search_text ON {RECIPIENTS} "
        f"FOR EACH ROW WHEN NEW.search_text IS NOT {folded} BEGIN {write} END",
    ]


def _postgresql_sql() -> list[str]:
    upsert = (
        f"INSERT INTO {TEXTS} (recipient_id, search_text) {{rows}} "
        "ON CONFLICT (recipient_id) DO UPDATE SET search_text = EXCLUDED.search_text"
    )
    folded = fold_sql("postgresql", "name", "email")
    every = upsert.format(rows=f"SELECT id, {folded} FROM new_rows")
    one = upsert.format(rows=f"VALUES (NEW.id, {fold_sql('postgresql', 'NEW.name', 'NEW.email')})")
    return [
        f"CREATE OR REPLACE FUNCTION recipient_search_insert() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {every}; RETURN NULL; END $$",
        f"CREATE OR REPLACE FUNCTION recipient_search_update() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {one}; RETURN NULL; END $$",
        f"CREATE TRIGGER recipient_search_insert AFTER INSERT ON {RECIPIENTS} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"WHEN (current_setting('{SEARCH_LATER_SETTING}', true) IS DISTINCT FROM 'on') "
        f"EXECUTE FUNCTION recipient_search_insert()",
        f"CREATE TRIGGER recipient_search_update AFTER UPDATE OF name, email ON {RECIPIENTS} "
        f"FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name "
        f"OR OLD.email IS DISTINCT FROM NEW.email) "
        f"EXECUTE FUNCTION recipient_search_update()",
    ]


def _postgresql_column_sql() -> list[str]:
    """Before migration 0019: the fold into the recipient's own column."""
    folded = fold_sql("postgresql", "NEW.name", "NEW.email")
    return [
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.search_text := {folded}; RETURN NEW; END $$",
        f"CREATE TRIGGER recipient_search_fold "
        f"BEFORE INSERT OR UPDATE OF name, email, search_text ON {RECIPIENTS} "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    ]


def _drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS recipient_search_fold ON {RECIPIENTS}",
            f"DROP FUNCTION IF EXISTS {FUNCTION}()",
            *(f"DROP TRIGGER IF EXISTS {name} ON {RECIPIENTS}" for name in TRIGGERS[vendor]),
            *(f"DROP FUNCTION IF EXISTS {name}()" for name in TRIGGERS[vendor]),
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS["sqlite"]]


def install(connection: BaseDatabaseWrapper, *, table: bool = True) -> None:
    """(Re)create the triggers and fold every recipient's name and address again. On
    PostgreSQL into the search table (which leaves nothing on the backlog), or with
    `table=False` into the recipient's column as before migration 0019."""
    vendor = connection.vendor
    column = f"UPDATE {RECIPIENTS} SET search_text = {fold_sql(vendor, 'name', 'email')}"
    if vendor != "postgresql":
        statements = [*_drop_sql(vendor), column, *_sqlite_sql()]
    elif not table:
        statements = [*_drop_sql(vendor), column, *_postgresql_column_sql()]
    else:
        statements = [
            *_drop_sql(vendor),
            f"INSERT INTO {TEXTS} (recipient_id, search_text) "
            f"SELECT id, {fold_sql(vendor, 'name', 'email')} FROM {RECIPIENTS} "
            "ON CONFLICT (recipient_id) DO UPDATE SET search_text = EXCLUDED.search_text "
            f"WHERE {TEXTS}.search_text IS DISTINCT FROM EXCLUDED.search_text",
            f"DELETE FROM {BACKLOG}",
            f"UPDATE {RECIPIENTS} SET search_text = '' WHERE search_text <> ''",
            *_postgresql_sql(),
        ]
    statements_run(connection, statements)


def recipients_search_install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython: `install`."""
    install(schema_editor.connection)


def recipients_search_column_install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython: `install` as migrations 0014 to 0018 had it (`table=False`)."""
    install(schema_editor.connection, table=False)


def recipients_search_uninstall(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython's reverse: drop the triggers (the column or table goes with the
    migration)."""
    statements_run(schema_editor.connection, _drop_sql(schema_editor.connection.vendor))
