"""Request and response helpers shared by the public pages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

FILENAME_MAX = 120
# Letters that Unicode decomposition does not reduce to ASCII.
_ASCII_LETTERS = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss",
        "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "\u0131": "i",
    }
)  # fmt: skip


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def render_in(
    request: HttpRequest,
    language: str | None,
    template: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render a page in `language` (the certificate's), or in the visitor's language
    when the page belongs to no certificate."""
    language = language or translation.get_language() or "en"
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response


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
