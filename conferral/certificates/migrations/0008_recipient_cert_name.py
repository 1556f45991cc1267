from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0007_covering_email_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(fields=["certificate", "name"], name="recipient_cert_name"),
        ),
    ]
