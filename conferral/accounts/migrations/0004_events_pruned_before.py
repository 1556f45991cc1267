from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_privacy"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="events_pruned_before",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
