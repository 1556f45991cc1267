"""Response helpers of the download pages: file names any client can save."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FILENAME_MAX = 120
# Letters that Unicode decomposition does not reduce to ASCII.
_ASCII_LETTERS = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss",
        "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "\u0131": "i",
    }
)  # fmt: skip


def ascii_filename(name: str) -> str:
    """A plain ASCII file name for old clients: accents dropped, anything else unsafe
    replaced, never empty."""
    base = unicodedata.normalize("NFKD", name.translate(_ASCII_LETTERS))
    base = base.encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._ -]+", "", base)
    base = re.sub(r"\s+", " ", base).strip(" .-")
    return base[:FILENAME_MAX].rstrip(" .-") or "credential"


def attachment(filename: str, extension: str) -> str:
    """A Content-Disposition header: an ASCII `filename` plus the exact UTF-8 name as
    RFC 5987 `filename*`."""
    cleaned = re.sub(r"[\x00-\x1f\x7f/\\]+", " ", filename).strip()[:FILENAME_MAX] or "credential"
    fallback = f"{ascii_filename(cleaned)}.{extension}"
    exact = quote(f"{cleaned}.{extension}", safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
