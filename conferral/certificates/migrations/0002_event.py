"""The event log moves from the tracking app to the certificates app, beside the
recipients it records (the model's state moves; the table is then renamed)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("tracking", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("type", models.CharField(max_length=32)),
                        ("at", models.DateTimeField()),
                        ("channel", models.CharField(blank=True, max_length=8)),
                        ("machine", models.BooleanField(default=False)),
                        ("user_agent", models.CharField(blank=True, max_length=400)),
                        ("client_hash", models.CharField(blank=True, max_length=32)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        (
                            "certificate",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="certificates.certificate",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="certificates.recipient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "tracking_event",
                        "ordering": ["at", "id"],
                        "indexes": [
                            models.Index(fields=["recipient", "at"], name="event_recipient_at"),
                            models.Index(
                                fields=["certificate", "type"], name="event_certificate_type"
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="event", table=None),
    ]
