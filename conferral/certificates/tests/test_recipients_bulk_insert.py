"""The bulk writing of an import: rows split over several statements keep their order
and values, duplicates are found across chunks against the rows written before, and a
check without writing (the dashboard's preview) finds exactly what the import would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import (
    CHUNK_SIZE,
    RawRow,
    RecipientsInvalid,
    recipients_add,
)
from conferral.certificates.statements import attributes_json
from conferral.certificates.status import EmailStatus
from conferral.testing.sqlite_limits import sqlite_parameter_limit


@pytest.fixture
def few_parameters_per_statement() -> Iterator[None]:
    """On SQLite, a parameter limit so low that a chunk needs many INSERT statements."""
    with sqlite_parameter_limit(100):
        yield


def test_it_writes_every_row_in_order_over_several_statements(
    certificate: Certificate, few_parameters_per_statement: None
) -> None:
    rows = [
        RawRow(n, f"Zoë Παπαδόπουλος {n}", f"z{n}@example.com" if n % 3 else "", {"Kurs": f"{n}"})
        for n in range(1, 61)
    ]
    assert recipients_add(certificate=certificate, rows=rows, keep=False).count == 60
    written = list(Recipient.objects.filter(certificate=certificate).order_by("id"))
    assert [r.name for r in written] == [row.name for row in rows]
    assert [r.email for r in written] == [row.email for row in rows]
    assert [r.attributes for r in written] == [row.attributes for row in rows]
    assert {r.email_status for r in written[2::3]} == {EmailStatus.NOT_PROVIDED}
    assert {r.email_status for r in written[:2]} == {EmailStatus.NOT_SENT}
    assert len({r.token for r in written} | {r.public_id for r in written}) == 120
    assert len({r.created_at for r in written}) == 1


def test_it_finds_a_duplicate_chunks_apart_as_already_on_the_list(
    certificate: Certificate,
) -> None:
    rows = [RawRow(n, f"Person {n}", f"p{n}@example.com") for n in range(1, CHUNK_SIZE + 1)]
    rows.append(RawRow(CHUNK_SIZE + 1, "Late twin", "P1@example.com"))
    with pytest.raises(RecipientsInvalid) as info:
        recipients_add(certificate=certificate, rows=rows)
    (error,) = info.value.errors
    assert error.row == CHUNK_SIZE + 1
    assert error.msg == "p1@example.com is already a recipient of this certificate."
    assert not Recipient.objects.exists()


@pytest.mark.parametrize("write", [True, False])
def test_it_reports_the_same_problems_whether_it_writes_or_not(
    certificate: Certificate, write: bool
) -> None:
    recipients_add(certificate=certificate, rows=[RawRow(1, "Ada", "ada@example.com")])
    rows = [
        RawRow(1, "Bob", "bob@example.com"),
        RawRow(2, "Ada again", "ADA@example.com"),
        RawRow(3, "Bob twin", "bob@example.com"),
        RawRow(4, "Typo", "t@gmial.com"),
    ]
    with pytest.raises(RecipientsInvalid) as info:
        recipients_add(certificate=certificate, rows=rows, write=write)
    assert [(e.row, e.field) for e in info.value.errors] == [
        (2, "email"),
        (3, "email"),
        (4, "email"),
    ]
    assert "row 1" in info.value.errors[1].msg
    good = [RawRow(1, "Bob", "bob@example.com"), RawRow(2, "Cy", "")]
    assert recipients_add(certificate=certificate, rows=good, write=write).count == 2
    assert Recipient.objects.count() == (3 if write else 1)


def test_it_writes_a_chunk_in_a_statement_or_two_not_one_per_row(
    certificate: Certificate, django_assert_max_num_queries: Any
) -> None:
    rows = [RawRow(n, f"Åsa {n}", f"a{n}@example.com") for n in range(1, 2 * CHUNK_SIZE + 501)]
    with django_assert_max_num_queries(12):
        assert recipients_add(certificate=certificate, rows=rows, keep=False).count == len(rows)
    assert Recipient.objects.filter(certificate=certificate).count() == len(rows)


ODD_TEXTS = [
    "",
    "plain",
    'a "quote"',
    "back\\slash",
    "tab\tnew\nline",
    "100 %s %%",
    "Zoë 王 ليلى",
    "\x7f\u2028x",  # a line separator: whitespace, kept inside a name
]


def test_it_writes_attributes_as_json_dumps_writes_them(certificate: Certificate) -> None:
    attributes = [
        {},
        {name: value for name, value in zip(ODD_TEXTS[1:], reversed(ODD_TEXTS), strict=False)},
        {"%(name)s": "x", "Kurs": "%s"},
        {"Kurs": "a"},
        {"Kurs": "b", "Note": "c"},
    ]
    assert attributes_json(attributes) == [json.dumps(values) for values in attributes]
    rows = [RawRow(n, f"Row {n}", "", values) for n, values in enumerate(attributes, start=1)]
    recipients_add(certificate=certificate, rows=rows, keep=False)
    written = Recipient.objects.filter(certificate=certificate).order_by("id")
    assert [r.attributes for r in written] == attributes
