"""Reading an XLSX recipient list: cells as text, the header found like a CSV's, and a
workbook that unpacks too large refused before it is parsed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import override_settings
from openpyxl import Workbook

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.xlsx import cell_text, is_xlsx, list_open


def xlsx_bytes(*rows: list[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (12.5, "12.5"),
        (7, "7"),
        (True, "TRUE"),
        # A workbook's dates carry no time zone.
        (dt.datetime(2026, 12, 1), "2026-12-01"),  # noqa: DTZ001
        (dt.datetime(2026, 12, 1, 9, 30), "2026-12-01T09:30:00"),  # noqa: DTZ001
        (dt.date(2026, 12, 1), "2026-12-01"),
        ("  Ada ", "  Ada "),
    ],
)
def test_it_reads_a_cell_as_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_it_finds_the_header_below_empty_rows() -> None:
    data = xlsx_bytes(
        [None], ["Vorname", "Nachname", "Mail"], ["Jürgen", "Müller", "j@example.com"]
    )
    rows = list_open(io.BytesIO(data))
    [row] = list(rows)
    assert (row.row, row.name, row.email) == (3, "Jürgen Müller", "j@example.com")


def test_it_tells_xlsx_from_csv_by_its_bytes() -> None:
    assert is_xlsx(io.BytesIO(xlsx_bytes(["name"])))
    assert not is_xlsx(io.BytesIO(b"name\nAda\n"))
    [row] = list(list_open(io.BytesIO(b"name,email\nAda,ada@example.com\n")))
    assert row.name == "Ada"


@override_settings(IMPORT_MAX_BYTES=10_000)
def test_it_refuses_a_zip_bomb_before_parsing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 200_000)
    with pytest.raises(ImportFileInvalid, match="larger than the limit"):
        list_open(io.BytesIO(buffer.getvalue()))


def test_it_refuses_a_zip_that_is_no_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", b"hello")
    with pytest.raises(ImportFileInvalid, match="could not be read as an Excel workbook"):
        list_open(io.BytesIO(buffer.getvalue()))
