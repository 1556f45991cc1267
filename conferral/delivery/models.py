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


class MailServiceOutage(models.Model):
    """A mail service of ours (the installation's, or an organization's own) that could
    not be reached, refused our login or failed TLS: sending through it is paused until
    `retry_at`, when one batch probes it again. Gone once it answers; one row per
    service, so every worker sees the same breaker (conferral/delivery/breaker.py)."""

    service = models.CharField(max_length=64, unique=True)  # the service's key
    label = models.CharField(max_length=255)  # where it is, without credentials
    since = models.DateTimeField()
    failures = models.PositiveIntegerField(default=1)  # probes failed in a row
    retry_at = models.DateTimeField()
    reply = models.TextField(blank=True)  # the last failure, as the transport said it

    def __str__(self) -> str:
        return f"{self.label} unreachable since {self.since:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """A running worker process, beating every few seconds: a worker that stopped
    beating is dead, and the sweeper hands its leases back without waiting for them to
    run out (conferral/delivery/heartbeat.py)."""

    worker_id = models.CharField(max_length=60, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%H:%M:%S}"
