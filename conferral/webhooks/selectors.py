"""Reading endpoints, their deliveries and the polling trigger's events, always within
one organization."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from conferral.accounts.models import Organization
from conferral.certificates.models import Event
from conferral.webhooks.models import Delivery, Endpoint
from conferral.webhooks.payload import WEBHOOK_TYPES, EventFacts, payloads_build

RECENT_DELIVERIES = 25


def endpoints_for_org(organization: Organization) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(organization=organization)


def endpoint_get_for_org(organization: Organization, public_id: str) -> Endpoint | None:
    return endpoints_for_org(organization).filter(public_id=public_id).first()


def deliveries_recent(endpoint: Endpoint, limit: int = RECENT_DELIVERIES) -> list[Delivery]:
    """The newest deliveries, each with its attempts (newest first) loaded."""
    return list(endpoint.deliveries.prefetch_related("log").order_by("-id")[:limit])


def delivery_get_for_org(organization: Organization, public_id: str) -> Delivery | None:
    return (
        Delivery.objects.filter(endpoint__organization=organization, public_id=public_id)
        .select_related("endpoint")
        .first()
    )


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def events_poll(
    organization: Organization, *, types: Sequence[str], before: int | None, limit: int
) -> Page:
    """The organization's events of `types` (all webhook types when empty), newest
    first, `limit` at a time: keyset paging over event ids, so a page never repeats or
    skips an event however many arrive meanwhile. Each item is the payload a push of
    the event carries."""
    events = Event.objects.filter(
        certificate__organization=organization, type__in=list(types or WEBHOOK_TYPES)
    )
    if before is not None:
        events = events.filter(pk__lt=before)
    rows = list(
        events.order_by("-id").values_list(
            "pk", "type", "recipient_id", "certificate_id", "at", "channel", "machine", "detail"
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = payloads_build(
        EventFacts(
            type=kind,
            recipient_id=recipient_id,
            certificate_id=certificate_id,
            occurred_at=at,
            channel=channel,
            machine=machine,
            detail=detail or {},
        )
        for _pk, kind, recipient_id, certificate_id, at, channel, machine, detail in rows
    )
    return Page(items=items, next_cursor=str(rows[-1][0]) if more else None)
