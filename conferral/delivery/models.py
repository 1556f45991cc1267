from __future__ import annotations

from django.db import models

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
