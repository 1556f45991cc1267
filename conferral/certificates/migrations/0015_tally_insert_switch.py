from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from conferral.certificates.tally_triggers import install, recipients_tally_install


def _install_unswitched(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    install(schema_editor.connection, switched=False)


class Migration(migrations.Migration):
    """SQLite's tally insert trigger counts a row only while INSERT_SWITCH says so, so
    that an import counts its rows at once (tally_triggers.inserts_counted_at_once).
    PostgreSQL's triggers come back as they were. Both recount every tally."""

    dependencies = [
        ("certificates", "0014_search_text_plain"),
    ]

    operations = [
        migrations.RunPython(recipients_tally_install, _install_unswitched),
    ]
