"""CSV bytes to text lines: size limit, encoding, line endings and delimiter.

Encoding. Spreadsheets save CSV as UTF-8 (with or without a byte-order mark), as
Windows-1252 (Excel's "CSV" on a German or English Windows; Latin-1 is its subset) or,
for "Unicode text", as UTF-16 with a byte-order mark. The encoding is decided from the
first chunk read:

- a byte-order mark names it (UTF-8 or UTF-16);
- otherwise the chunk is decoded as UTF-8, incrementally (a character cut at the end of
  the chunk is fine). If that fails, the file is Windows-1252;
- if it succeeds and the chunk held non-ASCII text, the file is UTF-8: valid UTF-8 that
  is not meant as UTF-8 is vanishingly rare in real text;
- if the chunk was pure ASCII, nothing is decided yet: decoding goes on as UTF-8, and if
  a later chunk turns out not to be UTF-8 while everything before it was ASCII, decoding
  switches to Windows-1252 for the rest. ASCII reads the same in both, so the switch
  loses nothing. A file that has shown non-ASCII UTF-8 and then breaks it mixes
  encodings, and is refused with the byte where it breaks.

A file that is not text at all (NUL or other control bytes, an Excel workbook or another
binary saved under a .csv name) is refused before anything is parsed.

Delimiter. The first complete lines are parsed with each of , ; tab and |; the delimiter
that splits the header into the most columns while every sample line has that same number
of fields wins (German Excel writes semicolons)."""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")

# Signatures of binary formats people save or rename as .csv by mistake.
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
CONTROL_CHARACTERS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r")

ProgressCallback = Callable[[int], None]


class ImportFileInvalid(Exception):
    """The file cannot be read as a recipient list at all; nothing was added."""


class _ByteReader:
    """Reads a binary stream in chunks, enforcing the size limit as it goes."""

    def __init__(self, stream: IO[bytes], max_bytes: int, on_progress: ProgressCallback | None):
        self.stream = stream
        self.max_bytes = max_bytes
        self.on_progress = on_progress
        self.bytes_read = 0

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.stream.read(CHUNK_BYTES):
            self.bytes_read += len(chunk)
            if self.bytes_read > self.max_bytes:
                raise ImportFileInvalid(too_big_message(self.max_bytes))
            if self.on_progress is not None:
                self.on_progress(self.bytes_read)
            yield chunk


def too_big_message(max_bytes: int) -> str:
    return _("The file is larger than the limit of %(size)s.") % {"size": filesizeformat(max_bytes)}


def not_text_message() -> str:
    return _(
        "This is not a text file. Save the list from your spreadsheet as CSV "
        "(“CSV UTF-8” or “CSV (comma delimited)”) and upload that."
    )


def _check_binary(first: bytes) -> None:
    if first.startswith(WORKBOOK_SIGNATURES):
        raise ImportFileInvalid(
            _(
                "This is an Excel workbook, not a CSV file. In Excel choose "
                "File > Save As > “CSV UTF-8 (comma delimited)” and upload that file."
            )
        )
    if b"\x00" in first:
        raise ImportFileInvalid(not_text_message())


def _first_encoding(first: bytes) -> tuple[str, bool]:
    """The encoding to start with, and whether it is still undecided (ASCII so far)."""
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    _check_binary(first)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(first, final=False)
    except UnicodeDecodeError as error:
        if not first[: error.start].isascii():
            raise ImportFileInvalid(_decode_error("utf-8", error.start)) from None
        return "cp1252", False
    return "utf-8", first.isascii()


def decode(chunks: Iterator[bytes]) -> Iterator[str]:
    """Decode a stream of byte chunks to text, deciding the encoding as described in
    this module's docstring."""
    first = next(chunks, b"")
    encoding, undecided = _first_encoding(first)
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    for chunk in itertools.chain([first], chunks):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            if not undecided:
                raise ImportFileInvalid(_decode_error(encoding, offset + error.start)) from None
            # Everything so far was ASCII, which reads the same in Windows-1252.
            encoding, undecided = "cp1252", False
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                raise ImportFileInvalid(not_text_message()) from None
        if undecided and not chunk.isascii():
            undecided = False
        offset += len(chunk)
        if "\x00" in text:
            raise ImportFileInvalid(not_text_message())
        if text:
            yield text
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFileInvalid(
            _("The file ends in the middle of a character; it may be truncated.")
        ) from None
    if tail:
        yield tail


def _decode_error(encoding: str, position: int) -> str:
    if encoding == "cp1252":
        return not_text_message()
    return _(
        "The file is not valid %(encoding)s at byte %(position)s: it mixes encodings. "
        "Save it again as “CSV UTF-8” and upload that."
    ) % {"encoding": "UTF-16" if encoding == "utf-16" else "UTF-8", "position": position + 1}


def lines(texts: Iterable[str]) -> Iterator[str]:
    """Split text chunks into lines ending in "\\n", whatever the file used (\\r\\n, \\n, or
    the \\r of old Mac spreadsheets), across chunk boundaries."""
    carry = ""
    for text in texts:
        buffer = carry + text
        held = ""
        if buffer.endswith("\r"):
            buffer, held = buffer[:-1], "\r"
        parts = buffer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        carry = parts.pop() + held
        for part in parts:
            yield part + "\n"
    if carry:
        parts = carry.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for part in parts:
            if part:
                yield part + "\n"


def sniff_delimiter(sample: list[str]) -> str:
    """The delimiter that splits the header into the most columns consistently."""
    best, best_score = ",", (0, False, 0)
    for delimiter in DELIMITERS:
        records = [record for record in csv.reader(sample, delimiter=delimiter) if record]
        if not records:
            continue
        width = len(records[0])
        # The last record may go on past the sample (a quoted value over several lines),
        # so it does not count against consistency.
        body = records[1:-1] if len(records) > 2 else records[1:]
        consistent = all(len(record) == width for record in body)
        score = (int(width > 1), consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def size_check(size: int | None, max_bytes: int) -> None:
    """Refuse a file by its size before reading it, when the size is known."""
    if size is not None and size > max_bytes:
        raise ImportFileInvalid(too_big_message(max_bytes))
    if size == 0:
        raise ImportFileInvalid(_("The file is empty."))


def text_lines(
    stream: IO[bytes], *, max_bytes: int, on_progress: ProgressCallback | None = None
) -> Iterator[str]:
    """The lines of a binary stream, decoded, each ending in "\\n"."""
    return lines(decode(_ByteReader(stream, max_bytes, on_progress).chunks()))


def sample_lines(line_iter: Iterator[str], count: int) -> list[str]:
    """The first lines of a file, checked to be text and not empty."""
    sample = list(itertools.islice(line_iter, count))
    text = "".join(sample)
    if not text.strip():
        raise ImportFileInvalid(_("The file is empty."))
    if any(ch in CONTROL_CHARACTERS for ch in text):
        raise ImportFileInvalid(not_text_message())
    return sample
