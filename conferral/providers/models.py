from __future__ import annotations

from django.db import models

from conferral.certificates.models import Recipient


class ProviderEvent(models.Model):
    """One tracking event an email provider reported through its webhook, kept so that
    the same event reported again (providers retry until they see a 200, and replay
    after an outage) changes nothing. Written in the transaction of the event's effect.
    `recipient` is empty when the provider's message id names no message Conferral sent
    (another application's mail on the same account, or a recipient since deleted)."""

    esp_name = models.CharField(max_length=40)  # django-anymail's name: "Postmark"
    event_id = models.CharField(max_length=255)  # the provider's, or derived (services)
    event_type = models.CharField(max_length=20)  # django-anymail's normalised type
    message_id = models.CharField(max_length=255, blank=True)  # the provider's
    recipient = models.ForeignKey(
        Recipient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["esp_name", "event_id"], name="provider_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.esp_name} {self.event_type} {self.event_id}"
