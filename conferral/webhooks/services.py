"""Registering, removing and re-enabling an organization's endpoints, and replaying a
delivery: the only writers of endpoints (the API, the dashboard and the sender call
these). Every refusal is a WebhookInvalid naming the field and saying why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.webhooks.addresses import AddressRefused, target_of
from conferral.webhooks.models import (
    DESCRIPTION_MAX_LENGTH,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryStatus,
    Endpoint,
)
from conferral.webhooks.payload import WEBHOOK_TYPES
from conferral.webhooks.registry import endpoints_changed
from conferral.webhooks.retries import give_up_at
from conferral.webhooks.signing import secret_new
from conferral.webhooks.tasks import deliveries_enqueue

ENDPOINTS_MAX = 50  # per organization


class WebhookInvalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Registered:
    endpoint: Endpoint
    secret: str  # shown once: it is not shown again


def endpoint_create(
    *, organization: Organization, url: str, event_types: Sequence[str], description: str = ""
) -> Registered:
    url = url.strip()
    description = " ".join(description.split())
    if not url:
        raise WebhookInvalid("url", _("Enter the URL that should receive the events."))
    if len(url) > URL_MAX_LENGTH:
        raise WebhookInvalid(
            "url", _("The URL is longer than %(max)s characters.") % {"max": URL_MAX_LENGTH}
        )
    try:
        target_of(url)
    except AddressRefused as error:
        raise WebhookInvalid("url", str(error)) from error
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise WebhookInvalid(
            "description",
            _("The description is longer than %(max)s characters.")
            % {"max": DESCRIPTION_MAX_LENGTH},
        )
    unknown = [kind for kind in event_types if kind not in WEBHOOK_TYPES]
    if unknown:
        raise WebhookInvalid(
            "event_types",
            _("Unknown event type %(type)s; the types are %(types)s.")
            % {"type": unknown[0], "types": ", ".join(WEBHOOK_TYPES)},
        )
    if not event_types:
        raise WebhookInvalid("event_types", _("Choose at least one event type."))
    with transaction.atomic():
        if (
            Endpoint.objects.select_for_update().filter(organization=organization).count()
            >= ENDPOINTS_MAX
        ):
            raise WebhookInvalid(
                "url",
                _("An organization can have at most %(max)s webhook endpoints.")
                % {"max": ENDPOINTS_MAX},
            )
        secret = secret_new()
        endpoint = Endpoint.objects.create(
            organization=organization,
            url=url,
            description=description,
            event_types=[kind for kind in WEBHOOK_TYPES if kind in set(event_types)],
            secret=secret,
        )
    endpoints_changed()
    return Registered(endpoint=endpoint, secret=secret)


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Unsubscribe: the endpoint and its delivery log go."""
    Endpoint.objects.filter(pk=endpoint.pk).delete()
    endpoints_changed()


def endpoint_enable(*, endpoint: Endpoint) -> bool:
    """Enable a disabled endpoint again: its failure count starts over, and what was
    still waiting for it is sent now (with a fresh day of retries). False when it was
    enabled already."""
    now = timezone.now()
    with transaction.atomic():
        enabled = Endpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=False).update(
            disabled_at=None, failures=0, failing_since=None
        )
        if enabled:
            Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
                next_attempt_at=now, give_up_at=give_up_at(now)
            )
    endpoint.refresh_from_db()
    endpoints_changed()
    if enabled:
        transaction.on_commit(deliveries_enqueue)
    return bool(enabled)


def delivery_replay(*, delivery: Delivery) -> None:
    """Send a delivery again, whatever became of it: the same body and webhook id, with
    a fresh day of retries (a receiver that keeps the ids it saw can drop a repeat)."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, give_up_at=give_up_at(now)
    )
    delivery.refresh_from_db()
    transaction.on_commit(deliveries_enqueue)
