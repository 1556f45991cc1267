"""The receiver of django-anymail's `tracking` signal, which every provider's tracking
webhook sends once per event after checking the call's authentication."""

from __future__ import annotations

from typing import Any

from conferral.providers.services import provider_event_record


def tracking_received(*, sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    provider_event_record(esp_name=esp_name, event=event)
