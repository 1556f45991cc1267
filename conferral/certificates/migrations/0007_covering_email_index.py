from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0006_reminders_provider_ids"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="recipient", name="recipient_cert_email"),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                fields=[
                    "certificate",
                    "email_status",
                    "first_sent_at",
                    "opened_at",
                    "clicked_at",
                    "machine_opened_at",
                    "next_attempt_at",
                    "revoked_at",
                ],
                name="recipient_cert_email",
            ),
        ),
        migrations.RemoveIndex(model_name="recipient", name="recipient_cert_status"),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                fields=["certificate", "status", "downloaded_at", "linkedin_added_at", "shared"],
                name="recipient_cert_status",
            ),
        ),
    ]
