"""A file that cannot be imported says why, and adds nothing."""

# ruff: noqa: RUF001 (names and punctuation in many scripts, on purpose)

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.importing import recipients_import, recipients_import_path
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RecipientsInvalid


def _import(certificate: Certificate, data: bytes, size: int | None = -1) -> int:
    return recipients_import(
        certificate=certificate,
        stream=io.BytesIO(data),
        size=len(data) if size == -1 else size,
    )


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(certificate: Certificate, data: bytes) -> None:
    with pytest.raises(ImportFileInvalid, match="empty"):
        _import(certificate, data)


def test_it_refuses_a_header_without_rows(certificate: Certificate) -> None:
    with pytest.raises(ImportFileInvalid, match="no recipients"):
        _import(certificate, b"name,email\r\n\r\n")


@override_settings(IMPORT_MAX_BYTES=100)
def test_it_refuses_a_file_over_the_limit_before_reading_it(
    certificate: Certificate, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"name,email\n" + b"x,\n" * 50)
    with pytest.raises(ImportFileInvalid, match="larger than the limit of 100"):
        recipients_import_path(certificate=certificate, path=path)
    assert not Recipient.objects.exists()


@override_settings(IMPORT_MAX_BYTES=300 * 1024)
def test_it_stops_reading_a_stream_of_unknown_size_at_the_limit(
    certificate: Certificate,
) -> None:
    data = b"name,email\n" + b"".join(b"P %d,p%d@example.com\n" % (i, i) for i in range(30_000))
    with pytest.raises(ImportFileInvalid, match="larger than the limit"):
        _import(certificate, data, size=None)
    assert not Recipient.objects.exists()


def test_it_refuses_an_excel_workbook_named_csv(certificate: Certificate) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as workbook:
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ImportFileInvalid, match="Excel workbook"):
        _import(certificate, buffer.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"name,email\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
    ],
)
def test_it_refuses_binary_data(certificate: Certificate, data: bytes) -> None:
    with pytest.raises(ImportFileInvalid, match="not a text file"):
        _import(certificate, data)


def test_it_names_rows_with_too_many_or_too_few_fields(certificate: Certificate) -> None:
    text = (
        "name,email,course\n"  # row 1
        "Åsa Øberg,asa@example.com,Python\n"  # row 2
        "Zoë Ñúñez,zoe@example.com\n"  # row 3: too few
        "Müller, Jürgen,juergen@example.com,Python\n"  # row 4: unquoted comma
        '"Анна\nИванова",anna@example.com,Python\n'  # row 5: one row over two lines
        "王小明,not-an-address,Python\n"  # row 6: bad address
    )
    with pytest.raises(RecipientsInvalid) as info:
        _import(certificate, text.encode())
    errors = {error.row: str(error) for error in info.value.errors}
    assert sorted(errors) == [3, 4, 6]
    assert "2 values" in errors[3]
    assert "3 columns" in errors[3]
    assert "4 values" in errors[4]
    assert "comma" in errors[4]
    assert "not-an-address" in errors[6]
    assert info.value.total == 3
    assert not Recipient.objects.exists()
    assert str(info.value) == "3 problems found; nothing was added."


def test_it_counts_one_value_and_one_problem_in_the_singular(
    certificate: Certificate,
) -> None:
    text = "name,email\nÅsa Øberg,asa@example.com\nZoë Ñúñez\n"
    with pytest.raises(RecipientsInvalid) as info:
        _import(certificate, text.encode())
    (error,) = info.value.errors
    assert str(error).endswith("1 value, but the first row has 2 columns.")
    assert str(info.value) == "1 problem found; nothing was added."


def test_it_reports_a_quote_that_is_never_closed(certificate: Certificate) -> None:
    text = 'name,email\nÅsa,asa@example.com\n"Zoë,zoe@example.com\nAnna,anna@example.com\n'
    with pytest.raises(RecipientsInvalid) as info:
        _import(certificate, text.encode())
    assert [error.row for error in info.value.errors] == [3]
    assert not Recipient.objects.exists()


def test_it_refuses_a_value_under_a_column_without_a_name(certificate: Certificate) -> None:
    with pytest.raises(RecipientsInvalid) as info:
        _import(certificate, b"name,,email\nAsa,oops,asa@example.com\n")
    assert [error.row for error in info.value.errors] == [2]


def test_it_adds_nothing_when_a_late_row_is_bad(certificate: Certificate) -> None:
    rows = "".join(f"Person {i},p{i}@example.com\n" for i in range(2_500))
    text = f"name,email\n{rows}Late Person,p7@example.com\n"
    with pytest.raises(RecipientsInvalid) as info:
        _import(certificate, text.encode())
    assert [error.row for error in info.value.errors] == [2_502]
    assert not Recipient.objects.exists()


def test_it_keeps_html_in_names_as_text(certificate: Certificate) -> None:
    text = 'name,email\n"<script>alert(1)</script> Åsa",asa@example.com\n'
    assert _import(certificate, text.encode()) == 1
    assert Recipient.objects.get().name == "<script>alert(1)</script> Åsa"
