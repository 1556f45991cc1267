"""PostgreSQL: recording a group of accepted messages is one statement, prepared once
per connection (conferral.core.driver). Django turns psycopg's preparing off; without
conferral.settings turning it back on, `prepare=True` was silently ignored."""

from __future__ import annotations

import pytest
from django.db import connection

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.delivery.services import certificate_send
from conferral.delivery.worker import run_worker

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
)


@pytest.mark.django_db(transaction=True)
def test_it_prepares_the_record_of_accepted_messages(org: Organization) -> None:
    certificate = certificate_create(organization=org, name="Prepared")
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(30)]
    recipients_add(certificate=certificate, rows=rows)
    certificate_send(certificate=certificate)

    run_worker(burst=True, verbosity=0)

    sent = Recipient.objects.filter(certificate=certificate, email_status=EmailStatus.DELIVERED)
    assert sent.count() == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [s for (s,) in cursor.fetchall()]
    assert any("RETURNING" in s and "jsonb" in s.lower() for s in prepared), prepared
