"""The event log now belongs to the certificates app (certificates 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0001_initial"),
        ("certificates", "0002_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Event")]),
    ]
