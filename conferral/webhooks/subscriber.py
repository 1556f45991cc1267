"""The event seam's webhook subscriber (registered in WebhooksConfig.ready): called
after every committed batch of events, in the request or worker that wrote them, so it
stays cheap: the endpoints of the batch's certificates (conferral.webhooks.registry,
usually without a query), one bulk insert of delivery rows for those that want the
events' types (one executemany), one task enqueued, in one transaction. The sending happens in
the task (conferral.webhooks.sending).

Recipients added (conferral.certificates.created) become `recipient.created` deliveries
the same way, one per recipient and endpoint, but only for a certificate with an
endpoint that asked for them: an import nobody subscribed to costs nothing more (and
while no endpoint is enabled at all, not even a query)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conferral.certificates.events import NewEvent
from conferral.certificates.models import Recipient
from conferral.core.ids import public_id
from conferral.webhooks.models import Delivery, DeliveryStatus
from conferral.webhooks.payload import RECIPIENT_CREATED, WEBHOOK_TYPES
from conferral.webhooks.registry import endpoints_changed, endpoints_exist, endpoints_of
from conferral.webhooks.retries import give_up_at
from conferral.webhooks.tasks import deliveries_enqueue

_TYPES = frozenset(WEBHOOK_TYPES)


def webhooks_on_events(batch: Sequence[NewEvent]) -> None:
    wanted = [event for event in batch if event.type.value in _TYPES]
    if not wanted or not endpoints_exist():
        return
    try:
        _insert(wanted)
    except IntegrityError:
        endpoints_changed()  # an endpoint went in another process: read afresh
        _insert(wanted)


_COLUMNS = (
    "public_id",
    "endpoint_id",
    "event_type",
    "recipient_id",
    "certificate_id",
    "occurred_at",
    "channel",
    "machine",
    "detail",
    "body",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
    "give_up_at",
    "lease_owner",
)


def _insert_sql() -> str:
    """One INSERT run with executemany: the ORM's bulk_create builds a model per row,
    which would cost more than the event itself."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {quote(Delivery._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)


def webhooks_on_recipients(certificate_id: int, public_ids: Sequence[str]) -> None:
    if not endpoints_exist():
        return
    endpoints = [
        pk
        for pk, types in endpoints_of([certificate_id]).get(certificate_id, ())
        if RECIPIENT_CREATED in types
    ]
    if not endpoints:
        return
    ops = connection.ops
    created, due, give_up = _times()
    added = Recipient.objects.filter(public_id__in=public_ids).values_list("pk", "created_at")
    rows = [
        (
            public_id(),
            endpoint,
            RECIPIENT_CREATED,
            pk,
            certificate_id,
            ops.adapt_datetimefield_value(at),
            "",
            False,
            ops.adapt_json_value({}, None),
            "",
            created,
            DeliveryStatus.PENDING.value,
            0,
            due,
            give_up,
            "",
        )
        for pk, at in added.order_by("pk")
        for endpoint in endpoints
    ]
    try:
        _rows_insert(rows)
    except IntegrityError:  # an endpoint went in another process: read afresh
        endpoints_changed()
        webhooks_on_recipients(certificate_id, public_ids)


def _times() -> tuple[Any, Any, Any]:
    """Now (the rows' creation and first attempt) and when to give up, adapted."""
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    return adapt(now), adapt(now), adapt(give_up_at(now))


def _rows_insert(rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        with transaction.atomic():  # one commit for the rows and the task
            with connection.cursor() as cursor:
                cursor.executemany(_insert_sql(), rows)
            deliveries_enqueue()


def _insert(events: Sequence[NewEvent]) -> None:
    by_certificate = endpoints_of(event.certificate_id for event in events)
    ops = connection.ops
    created, due, give_up = _times()
    rows: list[tuple[Any, ...]] = []
    for event in events:
        endpoints = [
            pk
            for pk, types in by_certificate.get(event.certificate_id, ())
            if event.type.value in types
        ]
        if not endpoints:
            continue
        occurred = ops.adapt_datetimefield_value(event.at)
        detail = ops.adapt_json_value(event.detail.to_json(), None)
        rows.extend(
            (
                public_id(),
                pk,
                event.type.value,
                event.recipient_id,
                event.certificate_id,
                occurred,
                event.channel,
                event.machine,
                detail,
                "",
                created,
                DeliveryStatus.PENDING.value,
                0,
                due,
                give_up,
                "",
            )
            for pk in endpoints
        )
    _rows_insert(rows)
