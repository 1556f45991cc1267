"""Reading a recipient list from a CSV file, as a stream, for `recipients_add`.

The file is read in chunks and never held whole in memory: bytes are decoded and split
into lines (`csvtext`, which also explains how the encoding and the delimiter are
found), parsed by the csv module and handed on one row at a time, and `recipients_add`
writes them a chunk at a time inside one transaction, so a bad row anywhere leaves the
list as it was.

Headers are matched ignoring case, spaces, punctuation and accents: "name", "full name",
"recipient", "Vollständiger Name", or "first name" and "last name" ("Vorname",
"Nachname") joined; "email", "e-mail", "email address", "mail", "E-Mail-Adresse". Every
other named column becomes an attribute.

Row numbers in errors are the rows a spreadsheet shows: the header is row 1 and a quoted
value spanning several lines is still one row."""

from __future__ import annotations

import csv
import os
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from conferral.certificates.csvtext import (
    ImportFileInvalid,
    ProgressCallback,
    sample_lines,
    size_check,
    sniff_delimiter,
    text_lines,
)
from conferral.certificates.models import Certificate
from conferral.certificates.services import (
    MAX_REPORTED_ERRORS,
    RawRow,
    RecipientsInvalid,
    recipients_add,
)
from conferral.certificates.validation import MAX_ATTRIBUTES, RowError
from conferral.core.collector import collector_paused
from conferral.core.sqlite import sqlite_pragma

SAMPLE_LINES = 20
SQLITE_IMPORT_CACHE_KIB = 64 * 1024
DELIMITER_NAMES = {
    ",": gettext_lazy("comma"),
    ";": gettext_lazy("semicolon"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar"),
}

# Header names, compared after `_header_key` (accents, case, spaces and punctuation gone).
NAME_HEADERS = (
    "name",
    "fullname",
    "recipient",
    "recipientname",
    "vollstandigername",
    "teilnehmer",
    "teilnehmername",
)
FIRST_NAME_HEADERS = ("firstname", "givenname", "vorname")
LAST_NAME_HEADERS = ("lastname", "surname", "familyname", "nachname", "familienname")
EMAIL_HEADERS = (
    "email",
    "emailaddress",
    "mail",
    "mailaddress",
    "emailadresse",
    "mailadresse",
)


def _header_key(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", header)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in plain.casefold() if ch.isalnum())


@dataclass(frozen=True)
class Columns:
    """Where the name, first/last name and email are, and which columns are attributes."""

    name: int | None
    first: int | None
    last: int | None
    email: int | None
    attributes: tuple[tuple[int, str], ...]
    unnamed: tuple[int, ...]
    width: int
    required: int  # how many fields a row needs: up to the last named column


def _find(keys: list[str], wanted: tuple[str, ...]) -> int | None:
    for candidate in wanted:
        if candidate in keys:
            return keys.index(candidate)
    return None


def columns_map(header: list[str]) -> Columns:
    """Map a header row to columns, or raise ImportFileInvalid saying what was found."""
    cells = [cell.strip() for cell in header]
    keys = [_header_key(cell) for cell in cells]
    name = _find(keys, NAME_HEADERS)
    first = _find(keys, FIRST_NAME_HEADERS)
    last = _find(keys, LAST_NAME_HEADERS)
    if name is None and (first is None or last is None):
        found = ", ".join(f"“{cell}”" for cell in cells if cell) or _("none")
        raise ImportFileInvalid(
            _(
                "No name column: the first row must name the columns, with one called "
                "“name” (or “first name” and “last name”). Columns found: %(found)s."
            )
            % {"found": found}
        )
    if name is not None:
        first = last = None
    email = _find(keys, EMAIL_HEADERS)
    taken = {i for i in (name, first, last, email) if i is not None}
    attributes: list[tuple[int, str]] = []
    unnamed: list[int] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        if index in taken:
            continue
        if not cell:
            unnamed.append(index)
            continue
        if cell in seen:
            raise ImportFileInvalid(
                _("The column “%(column)s” appears twice in the first row.") % {"column": cell}
            )
        seen.add(cell)
        attributes.append((index, cell))
    if len(attributes) > MAX_ATTRIBUTES:
        raise ImportFileInvalid(
            ngettext(
                "The file has %(count)s extra column; at most %(max)s are allowed.",
                "The file has %(count)s extra columns; at most %(max)s are allowed.",
                len(attributes),
            )
            % {"count": len(attributes), "max": MAX_ATTRIBUTES}
        )
    named = [*taken, *(index for index, _header in attributes)]
    return Columns(
        name, first, last, email, tuple(attributes), tuple(unnamed), len(cells), max(named) + 1
    )


def _counts(values: int, columns: int) -> dict[str, str]:
    """The phrases "3 values" and "2 columns" (each in its plural form) that describe a
    row of the wrong width."""
    return {
        "values": ngettext("%(count)s value", "%(count)s values", values) % {"count": values},
        "columns": ngettext("%(count)s column", "%(count)s columns", columns) % {"count": columns},
    }


def _is_blank(record: list[str]) -> bool:
    return not "".join(record).strip()


@dataclass
class CsvRecipients:
    """The rows of a CSV recipient list, as RawRow for `recipients_add`.

    Iterating reads the file; rows whose number of fields does not match the header are
    not passed on but collected in `errors` (the first MAX_REPORTED_ERRORS; `total_errors`
    counts all of them)."""

    records: Iterator[list[str]]
    columns: Columns
    header_row: int
    delimiter: str
    errors: list[RowError] = field(default_factory=list)
    total_errors: int = 0
    data_rows: int = 0

    def _error(self, row: int, msg: str) -> None:
        self.total_errors += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, "columns", msg))

    def __iter__(self) -> Iterator[RawRow]:
        row = self.header_row
        try:
            for row, record in enumerate(self.records, start=self.header_row + 1):
                if _is_blank(record):
                    continue
                self.data_rows += 1
                raw = self._row(row, record)
                if raw is not None:
                    yield raw
        except csv.Error as error:
            raise ImportFileInvalid(
                _("Row %(row)s cannot be read (%(error)s); is a quote opened and never closed?")
                % {"row": row + 1, "error": error}
            ) from None

    def _row(self, row: int, record: list[str]) -> RawRow | None:
        columns = self.columns
        width = columns.width
        if len(record) < columns.required:
            self._error(
                row,
                # Translators: %(values)s is "3 values", %(columns)s is "4 columns".
                _("%(values)s, but the first row has %(columns)s.")
                % _counts(len(record), columns.required),
            )
            return None
        if len(record) > width and not _is_blank(record[width:]):
            self._error(
                row,
                # Translators: %(values)s is "3 values", %(columns)s is "2 columns".
                _(
                    "%(values)s, but the first row has %(columns)s "
                    "(is a value with a %(delimiter)s missing its quotes?)."
                )
                % {**_counts(len(record), width), "delimiter": DELIMITER_NAMES[self.delimiter]},
            )
            return None
        if len(record) < width:
            record += [""] * (width - len(record))
        if columns.unnamed and any(record[i].strip() for i in columns.unnamed):
            self._error(row, _("A value is in a column that has no name in the first row."))
            return None
        if columns.name is not None:
            name = record[columns.name]
        else:
            assert columns.first is not None
            assert columns.last is not None
            name = f"{record[columns.first].strip()} {record[columns.last].strip()}"
        return RawRow(
            row,
            name,
            record[columns.email] if columns.email is not None else "",
            # A comprehension over the columns: 0.4 µs a row of two attributes, where a
            # dict of a strict zip of the names and the stripped values took 1.5 µs.
            {header: record[index].strip() for index, header in columns.attributes},
        )


def csv_recipients(
    stream: IO[bytes],
    *,
    size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> CsvRecipients:
    """Open a CSV recipient list: check its size, encoding and header, and return the
    rows to iterate. Raises ImportFileInvalid for a file that cannot be a list."""
    max_bytes: int = settings.IMPORT_MAX_BYTES
    size_check(size, max_bytes)
    line_iter = text_lines(stream, max_bytes=max_bytes, on_progress=on_progress)
    sample = sample_lines(line_iter, SAMPLE_LINES)
    delimiter = sniff_delimiter(sample)
    records = csv.reader(_chain(sample, line_iter), delimiter=delimiter)
    for header_row, record in enumerate(records, start=1):
        if not _is_blank(record):
            return CsvRecipients(records, columns_map(record), header_row, delimiter)
    raise ImportFileInvalid(_("The file is empty."))


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    first.clear()
    yield from rest


def recipients_import(
    *,
    certificate: Certificate,
    stream: IO[bytes],
    size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Add every recipient of a CSV file to a certificate, all or nothing; returns how
    many were added. Raises ImportFileInvalid for a file that cannot be read as a list,
    RecipientsInvalid naming every bad row otherwise."""
    rows = csv_recipients(stream, size=size, on_progress=on_progress)
    with import_transaction():
        return recipients_add_listed(certificate=certificate, rows=rows)


@contextmanager
def import_transaction() -> Iterator[None]:
    """One transaction for a whole import. On SQLite the connection gets a page cache
    large enough for the indexes a big import touches (random tokens land on random
    index pages; with SQLite's default 2 MB every insert would re-read and spill
    pages), restored afterwards. Python's garbage collector is paused meanwhile
    (conferral.core.collector says why)."""
    with (
        collector_paused(),
        sqlite_pragma("cache_size", -SQLITE_IMPORT_CACHE_KIB),
        transaction.atomic(),
    ):
        yield


def recipients_add_listed(
    *,
    certificate: Certificate,
    rows: CsvRecipients,
    source: Iterable[RawRow] | None = None,
    write: bool = True,
) -> int:
    """Add the recipients of a list being read (`source`: its rows, by default `rows`
    itself), all or nothing, inside the caller's `import_transaction`; with
    `write=False` only check them (a preview), counting those that would be added. The
    rows the reader refused and those `recipients_add` refuses are reported together,
    in row order."""
    try:
        result = recipients_add(
            certificate=certificate,
            rows=rows if source is None else source,
            keep=False,
            write=write,
        )
    except RecipientsInvalid as invalid:
        errors = sorted([*rows.errors, *invalid.errors], key=lambda e: e.row)
        raise RecipientsInvalid(
            errors[:MAX_REPORTED_ERRORS], rows.total_errors + invalid.total
        ) from None
    if rows.total_errors:
        raise RecipientsInvalid(rows.errors, rows.total_errors)
    if not rows.data_rows:
        raise ImportFileInvalid(_("The file has a header row but no recipients below it."))
    return result.count


def recipients_import_upload(*, certificate: Certificate, upload: UploadedFile[Any]) -> int:
    """Import an uploaded file; its size is checked before it is read."""
    return recipients_import(certificate=certificate, stream=upload, size=upload.size)


def recipients_import_path(
    *, certificate: Certificate, path: Path, on_progress: ProgressCallback | None = None
) -> int:
    """Import a file on disk; its size is checked before it is read."""
    with path.open("rb") as stream:
        return recipients_import(
            certificate=certificate,
            stream=stream,
            size=os.fstat(stream.fileno()).st_size,
            on_progress=on_progress,
        )
