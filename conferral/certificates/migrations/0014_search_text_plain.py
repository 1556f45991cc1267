from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

import conferral.certificates.search
from conferral.certificates.search_triggers import (
    recipients_search_column_install,
    recipients_search_uninstall,
)
from conferral.certificates.tally_triggers import (
    recipients_tally_install,
    recipients_tally_uninstall,
)


def _trigrams_add(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """PostgreSQL's pg_trgm, which SearchIndex needs there (a trusted extension since
    PostgreSQL 13: the database's owner may add it). Django's TrigramExtension cannot be
    reversed on SQLite."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def _trigrams_remove(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP EXTENSION IF EXISTS pg_trgm")


class Migration(migrations.Migration):
    """`search_text` becomes a plain column that triggers keep, read through
    SearchIndex (a trigram index on PostgreSQL, where pg_trgm comes first). A generated
    column cannot be altered into a plain one, so it goes and comes back empty, and
    `install` folds every recipient's name and address into it. SQLite rebuilds the
    recipient table for each of the two, dropping its triggers: the tallies' triggers go
    first and are put back (and recounted) last, both ways."""

    dependencies = [
        ("certificates", "0013_tally_machine_clicked"),
    ]

    operations = [
        migrations.RunPython(recipients_tally_uninstall, recipients_tally_install),
        migrations.RemoveIndex(model_name="recipient", name="recipient_search"),
        migrations.RemoveField(model_name="recipient", name="search_text"),
        migrations.AddField(
            model_name="recipient",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(recipients_search_column_install, recipients_search_uninstall),
        migrations.RunPython(_trigrams_add, _trigrams_remove),
        migrations.AddIndex(
            model_name="recipient",
            index=conferral.certificates.search.RecipientTrigramIndex(
                fields=["certificate", "search_text", "token"], name="recipient_search"
            ),
        ),
        migrations.RunPython(recipients_tally_install, recipients_tally_uninstall),
    ]
