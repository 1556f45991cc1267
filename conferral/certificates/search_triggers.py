# ruff: noqa: S608 (reviewed SQL: names are this module's constants, no value is spliced in)
"""The database triggers that keep a recipient's `search_text` (conferral.certificates.search)
its folded name and address, for SQLite and PostgreSQL.

A plain column rather than a generated one: SQLite takes a query that names a generated
column to need every column of the row, so it would not answer a search from the
`recipient_search` index alone. Triggers rather than application code: names and
addresses change through the ORM (an edit, an erasure), through bulk INSERTs and COPY
(imports) and could through any hand-written UPDATE, and a trigger sees each of them, as
the generated column did.

- PostgreSQL: a row trigger BEFORE INSERT or an UPDATE of the name, the address or the
  column itself sets the column (COPY runs it too).
- SQLite cannot change the row a BEFORE trigger sees, so an AFTER trigger writes the row
  a second time. For an insert only when the column came empty (`''`: a folded row holds
  at least the newline): `recipients_insert` writes it folded already (`fold_text`),
  since a second write of every imported row cost an import 2 CPU s per 100,000 rows. An UPDATE
  of the name, the address or the column writes it again unless it already holds the
  fold.

A table rebuild drops its triggers (Django's SQLite schema editor rebuilds a table for
most field changes): a migration that rebuilds the recipient table calls
`recipients_search_install` after it, as it calls the tallies' install;
conferral/certificates/tests/test_search_writers.py fails if a trigger is missing."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from conferral.certificates.search import fold_sql
from conferral.certificates.tally_triggers import statements_run

RECIPIENTS = "certificates_recipient"
FUNCTION = "recipient_search_fold"
TRIGGERS = {
    "sqlite": ("recipient_search_insert", "recipient_search_update"),
    "postgresql": ("recipient_search_fold",),
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
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS["sqlite"]]


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create the triggers and fold every recipient's name and address again."""
    vendor = connection.vendor
    statements = [
        *_drop_sql(vendor),
        f"UPDATE {RECIPIENTS} SET search_text = {fold_sql(vendor, 'name', 'email')}",
        *(_postgresql_sql() if vendor == "postgresql" else _sqlite_sql()),
    ]
    statements_run(connection, statements)


def recipients_search_install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython: `install`."""
    install(schema_editor.connection)


def recipients_search_uninstall(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """RunPython's reverse: drop the triggers (the column goes with the migration)."""
    statements_run(schema_editor.connection, _drop_sql(schema_editor.connection.vendor))
