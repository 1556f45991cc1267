import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0008_recipient_cert_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="StagedUpload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=32, unique=True)),
                ("data", models.BinaryField()),
                ("created_at", models.DateTimeField(db_index=True)),
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
    ]
