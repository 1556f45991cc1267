from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conferral.accounts.models import Organization


class MailboxMessage(models.Model):
    """A message captured by the built-in local mailbox (no mail settings configured),
    shown only to the members of the organization that sent it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, related_name="+"
    )
    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=320)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=998, blank=True)
    raw = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("The address bounced")
    COMPLAINT = "complaint", _("The recipient marked a message as spam")


class Suppression(models.Model):
    """An address of an organization that is not mailed again: it hard-bounced or its
    owner complained. Lifted when the issuer corrects the address or overrides."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)  # lower-cased
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    detail = models.TextField(blank=True)  # the server's reply or the report's words
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
