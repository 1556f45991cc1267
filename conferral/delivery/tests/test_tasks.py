"""The send reaches the worker through the Tasks API: certificate_send enqueues `deliver`
on commit, and a worker process (`run_worker`) runs it, whatever the backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from conferral.certificates import events
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.services import certificate_send
from conferral.delivery.worker import run_worker
from conferral.testing.smtp import SmtpServer

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_it_delivers_on_commit_through_the_tasks_api(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE
    add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        certificate_send(certificate=certificate)

    # One deliver task; the others hand the events written to their subscribers.
    enqueues = [c for c in callbacks if getattr(c, "func", None) is not events._deliver]
    assert len(enqueues) == 1
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["ada@example.com", "bob@example.com"]
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {EmailStatus.DELIVERED}


def test_it_leaves_a_scheduled_send_to_the_sweeper_when_the_backend_cannot_wait(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE
    add_recipients(("Ada", "ada@example.com"))

    with django_capture_on_commit_callbacks(execute=True):
        certificate_send(certificate=certificate, at=timezone.now() + dt.timedelta(hours=1))

    assert smtp.messages == []
    assert Recipient.objects.get().email_status == EmailStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_enqueued_deliver_tasks_in_a_worker(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.TASKS = DATABASE
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(5)])

    certificate_send(certificate=certificate)
    assert DBTaskResult.objects.filter(task_path="conferral.delivery.tasks.deliver").exists()
    assert smtp.messages == []

    run_worker(burst=True, verbosity=0)

    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == [f"p{i}@example.com" for i in range(5)]
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {EmailStatus.DELIVERED}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_it_enqueues_a_scheduled_send_to_run_at_its_time(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.TASKS = DATABASE
    add_recipients(("Ada", "ada@example.com"))
    at = timezone.now() + dt.timedelta(hours=2)

    certificate_send(certificate=certificate, at=at)

    [task] = DBTaskResult.objects.all()
    assert task.run_after == at
    run_worker(burst=True, verbosity=0)
    assert smtp.messages == []


def test_it_enqueues_the_next_attempt_of_a_deferred_message(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    from conferral.delivery.tasks import deliver
    from conferral.testing.smtp import Answer

    settings.TASKS = DATABASE
    settings.SEND_RETRY_DELAYS = [300]
    [ada] = add_recipients(("Ada", "ada@example.com"))
    smtp.answer(Answer.DEFER, to="ada@example.com")
    certificate_send(certificate=certificate)

    report = deliver.call()

    assert report["deferred"] == 1
    ada.refresh_from_db()
    [follow_up] = DBTaskResult.objects.filter(task_path="conferral.delivery.tasks.deliver")
    assert follow_up.run_after == ada.next_attempt_at
