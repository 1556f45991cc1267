from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conferral.certificates.models import Certificate, Channel, Recipient


class EventType(models.TextChoices):
    EMAIL_QUEUED = "email.queued", _("Email queued")
    EMAIL_SENT = "email.sent", _("Email sent")
    EMAIL_DELIVERED = "email.delivered", _("Email delivered")
    EMAIL_DEFERRED = "email.deferred", _("Email deferred")
    EMAIL_BOUNCED = "email.bounced", _("Email bounced")
    EMAIL_OPENED = "email.opened", _("Email opened")
    EMAIL_CLICKED = "email.clicked", _("Email link clicked")
    EMAIL_COMPLAINED = "email.complained", _("Marked as spam")
    CREDENTIAL_VIEWED = "credential.viewed", _("Credential viewed")
    CREDENTIAL_CLAIMED = "credential.claimed", _("Credential claimed")
    CREDENTIAL_DOWNLOADED = "credential.downloaded", _("Credential downloaded")
    CREDENTIAL_SHARED = "credential.shared", _("Credential shared")
    CREDENTIAL_LINKEDIN_ADDED = "credential.linkedin_added", _("Added to LinkedIn profile")
    CREDENTIAL_VERIFIED = "credential.verified", _("Credential verified")
    CREDENTIAL_REVOKED = "credential.revoked", _("Credential revoked")
    CREDENTIAL_REISSUED = "credential.reissued", _("Credential reissued")


class Event(models.Model):
    """Append-only: something that happened to a recipient. Never updated or deleted
    except with its recipient."""

    # No single-column indexes: (recipient, at) and (certificate, type) below serve both.
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=32, choices=EventType.choices)
    at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    machine = models.BooleanField(default=False)
    user_agent = models.CharField(max_length=400, blank=True)
    client_hash = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["recipient", "at"], name="event_recipient_at"),
            models.Index(fields=["certificate", "type"], name="event_certificate_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%Y-%m-%d %H:%M:%S}"
