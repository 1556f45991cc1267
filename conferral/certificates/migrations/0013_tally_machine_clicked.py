from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from conferral.certificates.tally_triggers import (
    TALLY,
    recipients_tally_install,
    recipients_tally_uninstall,
)

KEY_BEFORE = (
    "certificate",
    "slot",
    "email_status",
    "status",
    "sent",
    "opened",
    "clicked",
    "machine_opened",
    "revoked",
    "downloaded",
    "linkedin_added",
    "shared_linkedin",
    "shared_facebook",
    "shared_x",
    "shared_any",
)
KEY_AFTER = (*KEY_BEFORE[:8], "machine_clicked", *KEY_BEFORE[8:])


def _uninstall_and_empty(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Backwards: rows that differ only in `machine_clicked` would break the old key's
    uniqueness once the column goes, so the tally goes empty (the first operation's
    reverse counts it again)."""
    recipients_tally_uninstall(apps, schema_editor)
    schema_editor.execute(f"DELETE FROM {TALLY}")  # noqa: S608 (a constant name)


class Migration(migrations.Migration):
    """A recipient's machine click becomes part of the tally's key. The triggers go
    first (they write the old key, and SQLite rebuilds the tally table for the new
    column), and `install` puts them back and counts every tally again from the
    recipient rows, so the new column is right for the recipients already there."""

    dependencies = [
        ("certificates", "0012_credential_erased"),
    ]

    operations = [
        migrations.RunPython(recipients_tally_uninstall, recipients_tally_install),
        migrations.RemoveConstraint(model_name="recipienttally", name="recipient_tally_key"),
        migrations.AddField(
            model_name="recipienttally",
            name="machine_clicked",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="recipienttally",
            constraint=models.UniqueConstraint(fields=KEY_AFTER, name="recipient_tally_key"),
        ),
        migrations.RunPython(recipients_tally_install, _uninstall_and_empty),
    ]
