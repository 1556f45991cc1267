"""Sending what is due: claim a batch of pending deliveries with a lease (so several
workers never send one delivery at the same time), post them side by side, and write
down each outcome with its attempt. A 2xx is a success; anything else (a 3xx too:
redirects are not followed) is retried on the schedule of conferral.webhooks.retries
until the delivery's day is over. A 410 Gone unsubscribes the endpoint (the REST Hooks
convention), and an endpoint that keeps failing is disabled and its owners told."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from conferral.webhooks.addresses import AddressRefused, address_resolve, target_of
from conferral.webhooks.emails import endpoint_disabled_email_send
from conferral.webhooks.models import ANSWER_MAX_LENGTH, Attempt, Delivery, DeliveryStatus, Endpoint
from conferral.webhooks.payload import EventFacts, body_of, payloads_build
from conferral.webhooks.registry import endpoints_changed
from conferral.webhooks.retries import disable_due, retry_delay
from conferral.webhooks.signing import signed_headers
from conferral.webhooks.transport import Answer, TransportError, post

logger = logging.getLogger(__name__)

BATCH = 100
SENDERS = 8  # posts in flight at once (each waits on a receiver, not on the CPU)
GONE = 410


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    timed_out: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return {"sent": self.sent, "failed": self.failed, "timed_out": self.timed_out}


@dataclass(frozen=True, slots=True)
class Outcome:
    answer: Answer | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.answer is not None and 200 <= self.answer.status < 300


def deliveries_send_due(*, time_budget: float) -> Report:
    """Send due deliveries a batch at a time until none is left or `time_budget`
    seconds have passed (then `timed_out`: the caller hands over to a fresh task)."""
    report = Report()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="webhook") as pool:
        while True:
            claimed = _claim(BATCH)
            if not claimed:
                return report
            bodies = _bodies(claimed)
            outcomes = list(pool.map(_attempt, claimed, bodies))
            _record(claimed, outcomes)
            report.sent += sum(outcome.succeeded for outcome in outcomes)
            report.failed += sum(not outcome.succeeded for outcome in outcomes)
            if time.monotonic() - started > time_budget:
                report.timed_out = True
                return report


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )


def _claim(limit: int) -> list[Delivery]:
    now = timezone.now()
    candidates = list(
        Delivery.objects.filter(_due(now), endpoint__disabled_at__isnull=True)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    owner = secrets.token_hex(16)
    lease = dt.timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * (limit / SENDERS + 2))
    Delivery.objects.filter(_due(now), pk__in=candidates).update(
        lease_owner=owner, lease_until=now + lease
    )
    return list(
        Delivery.objects.filter(pk__in=candidates, lease_owner=owner)
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")
    )


def _bodies(deliveries: Sequence[Delivery]) -> list[str]:
    """Each delivery's body, built (and kept) at its first attempt."""
    fresh = [d for d in deliveries if not d.body]
    if fresh:
        payloads = payloads_build(
            EventFacts(
                type=d.event_type,
                recipient_id=d.recipient_id,
                certificate_id=d.certificate_id,
                occurred_at=d.occurred_at,
                channel=d.channel,
                machine=d.machine,
                detail=d.detail,
            )
            for d in fresh
        )
        for delivery, payload in zip(fresh, payloads, strict=True):
            delivery.body = body_of(payload)
        Delivery.objects.bulk_update(fresh, ["body"])
    return [d.body for d in deliveries]


def _attempt(delivery: Delivery, body: str) -> Outcome:
    started = time.monotonic()
    answer: Answer | None = None
    error = ""
    try:
        target = target_of(delivery.endpoint.url)
        addresses = address_resolve(target)
        headers = signed_headers(
            secret=delivery.endpoint.secret, delivery_id=delivery.public_id, body=body
        )
        answer = post(
            target=target,
            addresses=addresses,
            headers=headers,
            body=body.encode(),
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        )
    except (AddressRefused, TransportError) as exc:
        error = str(exc)[:ANSWER_MAX_LENGTH]
    return Outcome(
        answer=answer, error=error, duration_ms=round((time.monotonic() - started) * 1000)
    )


def _record(deliveries: Sequence[Delivery], outcomes: Sequence[Outcome]) -> None:
    """Write a batch's outcomes in one transaction (its attempts, the deliveries'
    new states), then count each endpoint's failures."""
    now = timezone.now()
    succeeded = [d.pk for d, o in zip(deliveries, outcomes, strict=True) if o.succeeded]
    # Failed deliveries that share their number of attempts share their next time.
    failed: dict[int, list[Delivery]] = {}
    for delivery, outcome in zip(deliveries, outcomes, strict=True):
        if not outcome.succeeded:
            failed.setdefault(delivery.attempts + 1, []).append(delivery)
    with transaction.atomic():
        Attempt.objects.bulk_create(
            Attempt(
                delivery=delivery,
                at=now,
                status_code=outcome.answer.status if outcome.answer else None,
                answer=outcome.answer.text if outcome.answer else "",
                error=outcome.error,
                duration_ms=outcome.duration_ms,
            )
            for delivery, outcome in zip(deliveries, outcomes, strict=True)
        )
        mine = Delivery.objects.filter(lease_owner=deliveries[0].lease_owner)
        mine.filter(pk__in=succeeded).update(
            status=DeliveryStatus.SUCCEEDED,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            lease_owner="",
            lease_until=None,
        )
        for attempts, group in failed.items():
            retry_at = now + retry_delay(attempts)
            gave_up = [d.pk for d in group if retry_at > d.give_up_at]
            mine.filter(pk__in=gave_up).update(
                status=DeliveryStatus.FAILED,
                attempts=attempts,
                next_attempt_at=None,
                lease_owner="",
                lease_until=None,
            )
            mine.filter(pk__in=[d.pk for d in group]).exclude(pk__in=gave_up).update(
                attempts=attempts, next_attempt_at=retry_at, lease_owner="", lease_until=None
            )
    _endpoints_count(deliveries, outcomes, now)


def _endpoints_count(
    deliveries: Sequence[Delivery], outcomes: Sequence[Outcome], now: dt.datetime
) -> None:
    """Per endpoint, in the order sent: a success starts its count of consecutive
    failures over, a 410 unsubscribes it, and each other failure counts."""
    runs: dict[int, tuple[Endpoint, bool, int]] = {}  # endpoint: (it, a success, failures)
    gone: dict[int, Endpoint] = {}
    for delivery, outcome in zip(deliveries, outcomes, strict=True):
        endpoint = delivery.endpoint
        _it, success, failures = runs.get(endpoint.pk, (endpoint, False, 0))
        if outcome.succeeded:
            runs[endpoint.pk] = (endpoint, True, 0)
        elif outcome.answer is not None and outcome.answer.status == GONE:
            gone[endpoint.pk] = endpoint
        else:
            runs[endpoint.pk] = (endpoint, success, failures + 1)
    for endpoint in gone.values():
        _unsubscribe_gone(endpoint)
    for pk, (endpoint, success, failures) in runs.items():
        if pk in gone:
            continue
        if success:
            Endpoint.objects.filter(pk=pk).update(
                failures=failures, failing_since=now if failures else None
            )
        elif failures:
            _failures_add(endpoint, failures, now)


def _unsubscribe_gone(endpoint: Endpoint) -> None:
    logger.info("Webhook endpoint %s answered 410 Gone: unsubscribed", endpoint.public_id)
    Endpoint.objects.filter(pk=endpoint.pk).delete()
    endpoints_changed()


def _failures_add(endpoint: Endpoint, failures: int, now: dt.datetime) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failures=F("failures") + failures, failing_since=Coalesce("failing_since", now)
    )
    counted = Endpoint.objects.filter(pk=endpoint.pk).values("failures", "failing_since").first()
    if counted is None or not disable_due(now=now, **counted):
        return
    # Only the sender whose update disables it tells the owners.
    if Endpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(disabled_at=now):
        endpoints_changed()
        logger.warning("Webhook endpoint %s kept failing: disabled", endpoint.public_id)
        endpoint.refresh_from_db()
        try:
            endpoint_disabled_email_send(endpoint)
        except Exception:
            logger.exception(
                "Could not tell the owners that endpoint %s was disabled", endpoint.public_id
            )
