"""PostgreSQL: taking a lease mostly writes no index entry. The recipients table keeps
half of each page free (migration certificates 0016), so the lease, which changes no
indexed column, is a HOT update; without the room, nearly every leased row put a new
entry into each of the table's indexes (13 HOT updates of 200, against 178 with it:
rows differ in size, so a page now and then is too full for all of its rows)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from conferral.accounts.models import Organization
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.services import certificate_send

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL storage setting"
)


def _hot_updates() -> tuple[int, int]:
    """HOT updates and all updates of recipients in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'certificates_recipient'"
        )
        updates, hot = cursor.fetchone()
    return int(hot), int(updates)


@pytest.mark.django_db(transaction=True)
def test_it_leases_a_batch_with_hot_updates(org: Organization) -> None:
    certificate = certificate_create(organization=org, name="Leases")
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(200)]
    recipients_add(certificate=certificate, rows=rows)
    certificate_send(certificate=certificate)

    with transaction.atomic():
        hot_before, updates_before = _hot_updates()
        claimed = outbox_claim(lease_owner="worker:0", limit=200)
        hot_after, updates_after = _hot_updates()

    assert len(claimed) == 200
    assert updates_after - updates_before == 200
    assert hot_after - hot_before >= 150


@pytest.mark.django_db
def test_it_keeps_half_of_each_page_free() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'certificates_recipient'")
        (options,) = cursor.fetchone()
    assert "fillfactor=50" in options
