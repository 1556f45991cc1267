"""Reading a recipient list from an Excel workbook (.xlsx), as a stream, for
`recipients_add`; and opening an uploaded list whichever of CSV or XLSX it is.

The workbook is opened with openpyxl in read-only mode, which parses the sheet's XML as
it goes instead of building the whole workbook in memory. An XLSX file is a ZIP archive,
so its size is bounded twice: the file itself (CONFERRAL_IMPORT_MAX_BYTES, as for CSV)
and what it unpacks to (XLSX_MAX_UNPACKED_FACTOR times that), read from the archive's
directory before anything is parsed, so a small file that unpacks to gigabytes is
refused at once. Only the first worksheet is read; the first row that is not empty names
the columns, exactly as in a CSV file (conferral.certificates.importing.columns_map)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from conferral.certificates.csvtext import ImportFileInvalid, size_check, too_big_message
from conferral.certificates.importing import CsvRecipients, columns_map, csv_recipients
from conferral.certificates.services import RawRow

XLSX_SIGNATURE = b"PK\x03\x04"
XLSX_MAX_UNPACKED_FACTOR = 10
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit


def cell_text(value: Any) -> str:
    """A cell as the text a CSV export of it would hold: whole numbers without ".0",
    dates as ISO dates, empty cells as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class XlsxRecipients(CsvRecipients):
    """The rows of the first worksheet, as RawRow; the same checks as a CSV file's,
    except that a short row is fine (a workbook does not store empty cells at a row's
    end) and a value right of the last named column is named as such (there is no
    delimiter to have gone missing)."""

    def _row(self, row: int, record: list[str]) -> RawRow | None:
        width = self.columns.width
        if len(record) > width:
            if any(cell.strip() for cell in record[width:]):
                self._error(row, _("A value is in a column that has no name in the first row."))
                return None
            record = record[:width]
        # Empty cells at the end of a row are simply not stored in a workbook.
        return super()._row(row, record + [""] * (width - len(record)))


def _unpacked_check(stream: IO[bytes], max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError):
        raise ImportFileInvalid(
            _("This file could not be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from None
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max_bytes * XLSX_MAX_UNPACKED_FACTOR:
        raise ImportFileInvalid(too_big_message(max_bytes))
    stream.seek(0)


def _records(sheet: Any) -> Iterator[list[str]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > XLSX_MAX_ROWS:
            return
        cells = [cell_text(value) for value in values]
        while cells and not cells[-1].strip():
            cells.pop()
        yield cells


def xlsx_recipients(stream: IO[bytes], *, size: int | None = None) -> XlsxRecipients:
    """Open an XLSX recipient list: check its size and header, and return the rows to
    iterate. `stream` must be seekable (an upload or a file). Raises ImportFileInvalid
    for a file that cannot be a list."""
    from openpyxl import load_workbook  # imported here: only an XLSX upload needs it

    max_bytes: int = settings.IMPORT_MAX_BYTES
    size_check(size, max_bytes)
    _unpacked_check(stream, max_bytes)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileInvalid(
            _("This file could not be read as an Excel workbook (.xlsx); it may be damaged.")
        ) from None
    if not workbook.worksheets:
        raise ImportFileInvalid(_("The file is empty."))
    records = _records(workbook.worksheets[0])
    for header_row, record in enumerate(records, start=1):
        if "".join(record).strip():
            return XlsxRecipients(records, columns_map(record), header_row, ",")
    raise ImportFileInvalid(_("The file is empty."))


def is_xlsx(stream: IO[bytes]) -> bool:
    """Whether a seekable stream starts like an XLSX file (a ZIP archive)."""
    start = stream.read(len(XLSX_SIGNATURE))
    stream.seek(0)
    return start == XLSX_SIGNATURE


def list_open(stream: IO[bytes], *, size: int | None = None) -> CsvRecipients:
    """An uploaded recipient list, CSV or XLSX (told apart by its first bytes, not its
    name), ready to iterate."""
    if is_xlsx(stream):
        return xlsx_recipients(stream, size=size)
    return csv_recipients(stream, size=size)
