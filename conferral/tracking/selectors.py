"""Reads of the event log (access is checked before these are called)."""

from __future__ import annotations

from django.db.models import QuerySet

from conferral.certificates.models import Event, Recipient


def recipient_events(recipient: Recipient) -> QuerySet[Event]:
    """The recipient's events, oldest first (index event_recipient_at), each with its
    certificate (the timeline's sentences name the certificate's kind)."""
    return (
        Event.objects.filter(recipient=recipient).select_related("certificate").order_by("at", "id")
    )
