"""An organization's webhook endpoints and the deliveries of events to them, with the
log of every attempt. The delivery row, not the task queue, is the source of truth: a
pending delivery has `next_attempt_at`, and a sender holds it while `lease_until` is in
the future (conferral.webhooks.sending)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.core import ids

URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 1000  # what is kept of a receiver's answer


class Endpoint(models.Model):
    """A URL that gets the events of the chosen types, signed with `secret` (shown to
    the issuer once, when the endpoint is registered)."""

    public_id = models.CharField(max_length=32, unique=True, default=ids.public_id, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(_("URL"), max_length=URL_MAX_LENGTH)
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Consecutive failed attempts, and since when they fail; a success resets both.
    failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    # A disabled endpoint gets nothing until an issuer enables it again.
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Gave up")


class Delivery(models.Model):
    """One event for one endpoint. The event's facts are copied here when it is
    dispatched (one bulk insert, nothing read); the body is built and frozen at the
    first attempt, so every retry and replay sends the same bytes."""

    public_id = models.CharField(max_length=32, unique=True, default=ids.public_id, editable=False)
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event_type = models.CharField(max_length=32)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    machine = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField()
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # An endpoint's recent deliveries, newest first.
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
            # What is due: only the pending rows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id}"


class Attempt(models.Model):
    """One try of a delivery: the receiver's status code and answer (its start), or
    why nothing was sent, and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.TextField(blank=True)
    error = models.CharField(max_length=ANSWER_MAX_LENGTH, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
