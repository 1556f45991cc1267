from __future__ import annotations

import pytest

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, RecipientsInvalid, recipients_add
from conferral.certificates.status import EmailStatus, Status


def test_it_adds_rows_with_and_without_address(certificate: Certificate) -> None:
    result = recipients_add(
        certificate=certificate,
        rows=[RawRow(1, "Jürgen Müller-Łukasz", "Juergen@Example.COM"), RawRow(2, "Åsa Øberg", "")],
    )
    assert result.count == 2
    first, second = Recipient.objects.order_by("id")
    assert first.email == "juergen@example.com"
    assert first.email_status == EmailStatus.NOT_SENT
    assert first.status == Status.NOT_SENT
    assert second.email_status == EmailStatus.NOT_PROVIDED
    assert first.token != second.token


def test_it_names_every_bad_row_and_adds_nothing(certificate: Certificate) -> None:
    rows = [
        RawRow(1, "Good Person", "good@example.com"),
        RawRow(2, "Bad Syntax", "not-an-address"),
        RawRow(3, "Typo", "someone@gmial.com"),
        RawRow(4, "Again", "good@example.com"),
        RawRow(5, "x" * 500, "long@example.com"),
        RawRow(6, "", "noname@example.com"),
    ]
    with pytest.raises(RecipientsInvalid) as info:
        recipients_add(certificate=certificate, rows=rows)
    by_row = {e.row: e for e in info.value.errors}
    assert set(by_row) == {2, 3, 4, 5, 6}
    assert "gmail.com" in by_row[3].msg
    assert "row 1" in by_row[4].msg
    assert "500" in by_row[5].msg
    assert not Recipient.objects.exists()


def test_it_rejects_an_address_already_on_the_list(certificate: Certificate) -> None:
    recipients_add(certificate=certificate, rows=[RawRow(1, "A", "a@example.com")])
    with pytest.raises(RecipientsInvalid) as info:
        recipients_add(
            certificate=certificate,
            rows=[RawRow(1, "B", "b@example.com"), RawRow(2, "A again", "A@example.com")],
        )
    assert [e.row for e in info.value.errors] == [2]
    assert Recipient.objects.count() == 1
