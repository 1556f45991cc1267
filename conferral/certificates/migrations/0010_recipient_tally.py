import django.db.models.deletion
from django.db import migrations, models

import conferral.certificates.search
from conferral.certificates.tally_triggers import (
    recipients_tally_install,
    recipients_tally_uninstall,
)

EMAIL_STATUSES = [
    ("not_provided", "Email not provided"),
    ("not_sent", "Not sent"),
    ("scheduled", "Scheduled"),
    ("sending", "Sending"),
    ("delivered", "Delivered, not opened"),
    ("opened", "Opened"),
    ("clicked", "Clicked"),
    ("bounced", "Bounced"),
    ("complained", "Marked as spam"),
]
STATUSES = [
    ("not_sent", "Not sent"),
    ("pending", "Pending"),
    ("delivered", "Delivered"),
    ("bounced", "Bounced"),
    ("claimed", "Claimed"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0009_stagedupload"),
    ]

    # The new column first: SQLite adds it by rebuilding the table, which would drop
    # triggers made before it.
    operations = [
        migrations.AddField(
            model_name="recipient",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=conferral.certificates.search.SearchFold("name", "email"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                fields=["certificate", "search_text", "token"], name="recipient_search"
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(fields=["certificate", "id"], name="recipient_cert_id"),
        ),
        migrations.RemoveIndex(model_name="recipient", name="recipient_cert_email"),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(fields=["certificate", "email_status"], name="recipient_cert_email"),
        ),
        migrations.RemoveIndex(model_name="recipient", name="recipient_cert_status"),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(fields=["certificate", "status"], name="recipient_cert_status"),
        ),
        migrations.CreateModel(
            name="RecipientTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="certificates.certificate",
                    ),
                ),
                ("slot", models.PositiveSmallIntegerField(default=0)),
                ("email_status", models.CharField(choices=EMAIL_STATUSES, max_length=16)),
                ("status", models.CharField(choices=STATUSES, max_length=16)),
                ("sent", models.BooleanField()),
                ("opened", models.BooleanField()),
                ("clicked", models.BooleanField()),
                ("machine_opened", models.BooleanField()),
                ("revoked", models.BooleanField()),
                ("downloaded", models.BooleanField()),
                ("linkedin_added", models.BooleanField()),
                ("shared_linkedin", models.BooleanField()),
                ("shared_facebook", models.BooleanField()),
                ("shared_x", models.BooleanField()),
                ("shared_any", models.BooleanField()),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
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
                        ),
                        name="recipient_tally_key",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                condition=models.Q(("next_attempt_at__isnull", False)),
                fields=["certificate", "next_attempt_at", "email_status"],
                name="recipient_cert_pending",
            ),
        ),
        migrations.RunPython(recipients_tally_install, recipients_tally_uninstall),
    ]
