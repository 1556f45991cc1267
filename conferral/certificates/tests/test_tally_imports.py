"""An import's rows in the tallies: counted once per statement and key instead of by the
insert trigger (SQLite's row trigger one by one, PostgreSQL's statement trigger), and as
exact as a count from scratch, beside every other kind of write, over chunks and
statements, with rows with and without an address; an import refused half-way counts
nothing."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.certificates.importing import recipients_import
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import CHUNK_SIZE, RecipientsInvalid, certificate_create
from conferral.certificates.tests.test_tally_triggers import (
    _random_history,
    assert_tallies_exact,
    counted_by_tallies,
)
from conferral.testing.sqlite_limits import sqlite_parameter_limit

ROWS = 2 * CHUNK_SIZE + 300


@pytest.fixture
def several_statements_per_chunk() -> Iterator[None]:
    """On SQLite, a parameter limit low enough that a chunk takes dozens of INSERTs."""
    with sqlite_parameter_limit(500):
        yield


def _csv(prefix: str, rows: int, twin: int | None = None) -> io.BytesIO:
    """A list of `rows` people, every third without an address; `twin`: one more row at
    the end with the address of that row."""
    lines = ["Name,Email,Kurs"]
    lines += [
        f"Person {n},{'' if n % 3 == 0 else f'{prefix}{n}@example.com'},K{n % 4}"
        for n in range(rows)
    ]
    if twin is not None:
        lines.append(f"Late twin,{prefix}{twin}@example.com,K0")
    return io.BytesIO("\n".join(lines).encode())


def _changes() -> int:
    """SQLite: the rows changed on this connection so far, by statements and by the
    trigger programs they ran."""
    connection.ensure_connection()
    changes: int = connection.connection.total_changes
    return changes


@pytest.fixture
def certificate(org: Organization) -> Certificate:
    """A certificate with a history of sends, engagement, edits and bulk writes."""
    certificate = certificate_create(organization=org, name="Imported")
    _random_history(random.Random(5), certificate, 30)
    return certificate


def test_it_counts_an_import_exactly(
    certificate: Certificate, several_statements_per_chunk: None
) -> None:
    assert recipients_import(certificate=certificate, stream=_csv("a", ROWS)) == ROWS
    assert_tallies_exact(certificate)
    assert recipients_import(certificate=certificate, stream=_csv("b", 40)) == 40
    assert_tallies_exact(certificate)


def test_it_counts_nothing_of_an_import_refused_half_way(
    certificate: Certificate, several_statements_per_chunk: None
) -> None:
    before = counted_by_tallies(certificate, timezone.now())
    listed = Recipient.objects.filter(certificate=certificate).count()
    with pytest.raises(RecipientsInvalid):
        recipients_import(certificate=certificate, stream=_csv("c", ROWS, twin=1))
    assert counted_by_tallies(certificate, timezone.now()) == before
    assert Recipient.objects.filter(certificate=certificate).count() == listed
    assert_tallies_exact(certificate)


def test_it_counts_an_import_without_the_row_trigger(
    certificate: Certificate, several_statements_per_chunk: None
) -> None:
    """The row trigger would change a tally row for every recipient inserted: the rows
    changed are the recipients and a few tally rows per statement."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's side: the next test")
    changed = _changes()
    assert recipients_import(certificate=certificate, stream=_csv("d", ROWS)) == ROWS
    assert ROWS < _changes() - changed < ROWS + ROWS // 10
    assert_tallies_exact(certificate)


def _tally_function_calls() -> int:
    """PostgreSQL: how often this transaction has called the insert trigger's function."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
            "WHERE funcname = 'recipient_tally'"
        )
        (calls,) = cursor.fetchone()
    return int(calls)


def test_it_counts_an_import_without_the_statement_trigger(certificate: Certificate) -> None:
    """PostgreSQL: the import's COPY does not run the tally trigger's function (the
    setting it reads is off), where an insert of the ORM's runs it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's side: the test before")
    with connection.cursor() as cursor:  # for this test's transaction only
        cursor.execute("SET LOCAL track_functions = 'pl'")
    before = _tally_function_calls()
    assert recipients_import(certificate=certificate, stream=_csv("e", ROWS)) == ROWS
    assert _tally_function_calls() == before
    Recipient.objects.create(certificate=certificate, name="One more", email_status="not_sent")
    assert _tally_function_calls() > before
    assert_tallies_exact(certificate)
