"""Response helpers of the download pages: file names any client can save, and the
validators that let a browser keep a file and ask whether it is still the same."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date

from conferral.certificates.rendering.cache import RenderedFile

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


# A browser may keep the file but asks again before each use (so a revoked credential
# is never shown from its cache); shared caches never keep it.
FILE_CACHE_CONTROL = "private, no-cache"


def file_response(
    request: HttpRequest, rendered: RenderedFile, content_type: str, disposition: str
) -> HttpResponse:
    """The file with its ETag and Last-Modified, or a 304 when the request's
    If-None-Match (or, without it, If-Modified-Since) says the browser has it."""
    response = HttpResponse(rendered.content, content_type=content_type)
    response["Content-Disposition"] = disposition
    response["ETag"] = rendered.etag
    response["Last-Modified"] = http_date(rendered.rendered_at.timestamp())
    response["Cache-Control"] = FILE_CACHE_CONTROL
    conditional = get_conditional_response(
        request,
        etag=rendered.etag,
        last_modified=int(rendered.rendered_at.timestamp()),
        response=response,
    )
    return response if conditional is None else conditional


def never_cached_unless_a_file(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Like Django's never_cache, except for a file answered by file_response: a refusal
    or a "not found" is never kept, a file is kept and revalidated."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not response.has_header("ETag"):
            add_never_cache_headers(response)
        return response

    return wrapped
