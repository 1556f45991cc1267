"""The outbox's claim, a send's chunks and the reminder sweep read their rows in their own
order from an index: each reads the rows it takes and no more. A send queues all of a
certificate's rows at one time; with an index on the time alone, PostgreSQL read every
due row and sorted them for each claim (13 ms a claim at 10,000 queued, growing with
the queue). It did so with the index too while the table's statistics knew nothing of
the queued rows, so a large send refreshes them (conferral.delivery.services); the
claim is planned here as a worker's is, on a table no one else has analysed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.reminders import due_candidates
from conferral.delivery.services import ANALYZE_AFTER_QUEUED, QUEUE_CHUNK, certificate_send


def _plan(sql: str, *settings: str) -> str:
    """The plan of `sql` as text, after the `settings` (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for setting in settings:
                cursor.execute(setting)
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _assert_read_in_order(plan: str, index: str) -> None:
    assert index in plan, plan
    if connection.vendor == "postgresql":
        assert "Sort" not in plan, plan
    else:
        assert "TEMP B-TREE" not in plan, plan


@pytest.fixture
def queued(org: Organization) -> Callable[[int], None]:
    def queue(count: int) -> None:
        certificate = certificate_create(organization=org, name="Queued")
        rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(count)]
        recipients_add(certificate=certificate, rows=rows)
        certificate_send(certificate=certificate)

    return queue


@pytest.mark.django_db(transaction=True)
def test_it_claims_by_reading_the_outbox_index_in_its_order(
    queued: Callable[[int], None], settings: Settings
) -> None:
    queued(ANALYZE_AFTER_QUEUED)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            claimed = outbox_claim(lease_owner="worker:0", limit=settings.SEND_BATCH_SIZE)
        (claim,) = (q["sql"] for q in queries.captured_queries if "lease_owner" in q["sql"])
        plan = _plan(claim)

    first = Recipient.objects.order_by("pk").values_list("pk", flat=True)
    assert [r.pk for r in claimed] == list(first[: settings.SEND_BATCH_SIZE])
    _assert_read_in_order(plan, "recipient_outbox_due")
    # The claimed rows are found by their keys, not by a scan of the table.
    assert "Seq Scan" not in plan, plan
    assert "SCAN certificates_recipient" not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_it_queues_a_send_in_chunks_read_in_id_order(org: Organization) -> None:
    certificate = certificate_create(organization=org, name="Chunks")
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(ANALYZE_AFTER_QUEUED)]
    recipients_add(certificate=certificate, rows=rows)
    with CaptureQueriesContext(connection) as queries:
        certificate_send(certificate=certificate)
    chunk = next(q["sql"] for q in queries.captured_queries if f"LIMIT {QUEUE_CHUNK}" in q["sql"])
    with transaction.atomic():
        plan = _plan(chunk)

    _assert_read_in_order(plan, "recipient_cert_email")


@pytest.mark.django_db(transaction=True)
def test_it_sweeps_reminders_by_reading_their_index_in_order(
    queued: Callable[[int], None],
) -> None:
    queued(30)
    Recipient.objects.update(reminder_due_at=timezone.now(), next_attempt_at=None)
    candidates = due_candidates(timezone.now()).values("pk")[:10]
    sql, params = candidates.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # The statement with its values, as the database receives it.
        cursor.execute(sql, params)
        executed = connection.ops.last_executed_query(cursor, sql, params)
        # No sort and no sequential scan where there is another way: a plan that
        # still sorts has no index in the sweep's order.
        plan = _plan(executed, "SET LOCAL enable_sort = off", "SET LOCAL enable_seqscan = off")

    _assert_read_in_order(plan, "recipient_reminder_due")
