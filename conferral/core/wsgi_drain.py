"""Read what is left of a request body before its answer goes out.

Granian (hyper underneath) keeps a connection open after an answer only when the
request's body was read to its end (a body of more than some tens of kilobytes is not
read ahead); otherwise it closes the connection, and a client that is still sending, or
has already sent its next request on it, gets no answer. Django leaves the body
unread whenever it answers before the view looks at it: a CSRF refusal, a 404, a 405,
a throttle, a view that never reads a POST. So every request's leftover body is read
and thrown away here, up to DRAIN_LIMIT bytes: a body larger than that is not worth
reading just to keep one connection, and the server closes it as before."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

DRAIN_LIMIT = 8 * 1024 * 1024
CHUNK = 64 * 1024


def drain(environ: dict[str, Any], limit: int = DRAIN_LIMIT) -> None:
    """Read and discard the unread rest of the request body, at most `limit` bytes."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    left = limit
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def draining(application: WSGIApplication) -> WSGIApplication:
    """`application`, reading each request's leftover body once it has answered."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = application(environ, start_response)
        drain(environ)
        return result

    return wrapped
