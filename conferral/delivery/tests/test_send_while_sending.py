"""Sends through the API while a worker is sending: on the embedded SQLite file, the
API's writes and the worker's commits take turns for the one write lock, and no request
may fail with "database is locked" (an HTTP 500) however busy the worker is."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.delivery.pipeline import deliver_due
from conferral.testing.smtp import SmtpServer

SENDS = 8  # certificates sent through the API while the worker runs
PER_SEND = 40


@pytest.mark.django_db(transaction=True)
def test_it_never_fails_a_send_through_the_api_while_a_worker_is_sending(
    smtp: SmtpServer, api: Client, org: Organization
) -> None:
    certificates = []
    for n in range(SENDS):
        certificate = certificate_create(organization=org, name=f"Concurrency {n}")
        rows = (RawRow(i, f"Person {i}", f"p{n}-{i}@example.com") for i in range(PER_SEND))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        certificates.append(certificate)
    done = threading.Event()
    worker_errors: list[BaseException] = []

    def work() -> None:
        try:
            while not done.is_set():
                deliver_due()
        except BaseException as error:
            worker_errors.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    try:
        statuses = []
        for certificate in certificates:
            response = api.post(
                f"/api/v1/certificates/{certificate.public_id}/send",
                content_type="application/json",
            )
            statuses.append((response.status_code, response.content[:200]))
    finally:
        done.set()
        worker.join(60)
    deliver_due()

    assert [status for status, _body in statuses] == [202] * SENDS, statuses
    assert worker_errors == []
    assert Recipient.objects.filter(email_status=EmailStatus.DELIVERED).count() == SENDS * PER_SEND
    assert len(smtp.messages) == SENDS * PER_SEND
