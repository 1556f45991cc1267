"""Email status `complained`, counted as delivered in the certificate status; the
event type `recipient.updated`."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0002_event'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='channel',
            field=models.CharField(blank=True, choices=[('email', 'Link in our email'), ('admin', 'Link from the dashboard'), ('api', 'Link handed out through the API'), ('token', 'Token typed into the claim page')], max_length=8),
        ),
        migrations.AlterField(
            model_name='event',
            name='type',
            field=models.CharField(choices=[('email.queued', 'Email queued'), ('email.sent', 'Email sent'), ('email.delivered', 'Email delivered'), ('email.deferred', 'Email deferred'), ('email.bounced', 'Email bounced'), ('email.opened', 'Email opened'), ('email.clicked', 'Email link clicked'), ('email.complained', 'Marked as spam'), ('credential.viewed', 'Credential viewed'), ('credential.claimed', 'Credential claimed'), ('credential.downloaded', 'Credential downloaded'), ('credential.shared', 'Credential shared'), ('credential.linkedin_added', 'Added to LinkedIn profile'), ('credential.verified', 'Credential verified'), ('credential.revoked', 'Credential revoked'), ('credential.reissued', 'Credential reissued'), ('recipient.updated', 'Recipient details changed')], max_length=32),
        ),
        migrations.AlterField(
            model_name='recipient',
            name='email_status',
            field=models.CharField(choices=[('not_provided', 'Email not provided'), ('not_sent', 'Not sent'), ('scheduled', 'Scheduled'), ('sending', 'Sending'), ('delivered', 'Delivered, not opened'), ('opened', 'Opened'), ('clicked', 'Clicked'), ('bounced', 'Bounced'), ('complained', 'Marked as spam')], max_length=16),
        ),
        # A generated column cannot be altered: it is dropped and added again (and
        # its index with it), which recomputes it for every row.
        migrations.RemoveIndex(model_name='recipient', name='recipient_cert_status'),
        migrations.RemoveField(model_name='recipient', name='status'),
        migrations.AddField(
            model_name='recipient',
            name='status',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(claimed_at__isnull=False, then=models.Value('claimed')), models.When(email_status__in=['scheduled', 'sending'], then=models.Value('pending')), models.When(email_status__in=['clicked', 'complained', 'delivered', 'opened'], then=models.Value('delivered')), models.When(email_status='bounced', then=models.Value('bounced')), default=models.Value('not_sent')), output_field=models.CharField(choices=[('not_sent', 'Not sent'), ('pending', 'Pending'), ('delivered', 'Delivered'), ('bounced', 'Bounced'), ('claimed', 'Claimed')], max_length=16)),
        ),
        migrations.AddIndex(
            model_name='recipient',
            index=models.Index(fields=['certificate', 'status'], name='recipient_cert_status'),
        ),
    ]
