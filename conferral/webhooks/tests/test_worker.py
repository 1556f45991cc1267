"""Through the worker (conferral.delivery.worker) and the database task queue: a batch
of events becomes one task, the worker sends each delivery once, and its retrier sends
a retry that comes due with no task queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conferral.certificates.credentials import recipients_revoke
from conferral.certificates.models import Recipient
from conferral.delivery.worker import run_worker
from conferral.webhooks.models import Delivery, DeliveryStatus
from conferral.webhooks.services import Registered
from conferral.webhooks.tests.conftest import Receiver, Reply

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_one_task_per_batch_and_the_worker_sends_each_delivery_once(
    settings: Any,
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.TASKS = DATABASE
    subscribe("credential.revoked")
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(5)])

    recipients_revoke(
        recipient_ids=[p.pk for p in people], certificate_id=people[0].certificate_id, reason="x"
    )

    assert Delivery.objects.count() == 5
    assert DBTaskResult.objects.count() == 1
    run_worker(burst=True, verbosity=0)
    assert len(receiver.requests) == 5
    assert len({r.headers["Conferral-Webhook-Id"] for r in receiver.requests}) == 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


@pytest.mark.django_db(transaction=True)
def test_it_sends_a_retry_that_came_due_without_a_task(
    settings: Any,
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
) -> None:
    settings.TASKS = DATABASE
    subscribe("credential.revoked")
    receiver.answer(Reply(500))
    recipients_revoke(recipient_ids=[person.pk], certificate_id=person.certificate_id, reason="x")
    run_worker(burst=True, verbosity=0)
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    Delivery.objects.update(next_attempt_at=timezone.now())
    DBTaskResult.objects.all().delete()

    run_worker(burst=True, verbosity=0)

    assert len(receiver.requests) == 2
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
