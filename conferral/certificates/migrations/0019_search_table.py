import django.db.models.deletion
from django.db import migrations, models

import conferral.certificates.search
from conferral.certificates.search_triggers import (
    recipients_search_column_install,
    recipients_search_install,
)


class Migration(migrations.Migration):
    """PostgreSQL's search text moves from the recipient's column, and its trigram index,
    to a table of its own with a backlog for imports (conferral.certificates.
    search_models): `install` writes every recipient's text there and empties the
    column. SQLite keeps its column and covering index, dropped and made again as they
    were; the two tables stay empty there."""

    dependencies = [
        ("certificates", "0018_recipient_indexes_in_id_order"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="recipient", name="recipient_search"),
        migrations.CreateModel(
            name="RecipientSearch",
            fields=[
                (
                    "recipient",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="certificates.recipient",
                    ),
                ),
                ("search_text", models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name="SearchBacklog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("low", models.BigIntegerField()),
                ("high", models.BigIntegerField()),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="certificates.certificate",
                    ),
                ),
            ],
        ),
        migrations.RunPython(recipients_search_install, recipients_search_column_install),
        migrations.AddIndex(
            model_name="recipient",
            index=conferral.certificates.search.SearchIndex(
                fields=["certificate", "search_text", "token"], name="recipient_search"
            ),
        ),
    ]
