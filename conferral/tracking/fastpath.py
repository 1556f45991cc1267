"""The open pixel, the click links and the honeypot answered at the WSGI entry point,
past Django.

Mail clients fetch the pixel of every message as it arrives (Apple Mail Privacy
Protection does so within seconds of delivery), so these two URLs get hits as fast as
mail goes out. Django's middleware (sessions, authentication, locale, CSP, messages,
throttles) does nothing for them but costs most of a request, so `tracking_first`
matches their paths before Django and answers with the same code as the Django views
(`pixel_take`, `click_target`, `honeypot_take`), the hit journalled and left to the data
directory's drainer (conferral.tracking.drainer). Everything else, and a click or
honeypot link that is not valid (its page is a Django template with the site's security
headers), goes to Django."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections
from django.http import HttpRequest

from conferral.core.wsgi_drain import WSGIApplication
from conferral.tracking.drainer import drainer_thread
from conferral.tracking.links import LEGACY_LINK
from conferral.tracking.views import (
    PIXEL,
    PIXEL_HEADERS,
    click_target,
    honeypot_take,
    pixel_take,
)

# The paths of conferral.tracking.urls under "t/" (a `str` converter is [^/]+; a longer
# link number than any message has goes to Django, which answers it as not valid).
OPEN_PATH = re.compile(r"/t/o/([^/]+)/([^/]+)\.gif")
CLICK_PATH = re.compile(r"/t/c/([^/]+)/(?:([0-9]{1,9})/)?([^/]+)")
HONEYPOT_PATH = re.compile(r"/t/h/([^/]+)/([^/]+)")
ANSWER_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
_PIXEL_ANSWER = [
    *PIXEL_HEADERS,
    *ANSWER_HEADERS,
    ("Content-Length", str(len(PIXEL))),
]


class _HitRequest(HttpRequest):
    """The little of a request that `pixel_take` and `click_target` read: the method
    and the headers (user agent, address, a trusted proxy's forwarding). HttpRequest's
    own set-up (an empty query string, form data and files parsed) took 5.6 µs of a
    pixel's 17 in the process (30,000 calls), for nothing these read."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()


def tracking_first(application: WSGIApplication) -> WSGIApplication:
    """`application`, with the pixel and the valid click link answered before it."""

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/t/"):
            opened = OPEN_PATH.fullmatch(path)
            if opened:
                drainer_thread()
                pixel_take(_HitRequest(environ), opened[1], opened[2], inline=False)
                start_response("200 OK", _PIXEL_ANSWER)
                return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else PIXEL]
            clicked = CLICK_PATH.fullmatch(path)
            if clicked:
                drainer_thread()
                link = LEGACY_LINK if clicked[2] is None else int(clicked[2])
                try:
                    target = click_target(
                        _HitRequest(environ), clicked[1], clicked[3], inline=False, link=link
                    )
                except Exception:
                    # As at the end of a Django request: a broken connection is replaced.
                    close_old_connections()
                    raise
                if target is not None:
                    start_response(
                        "302 Found",
                        [("Location", target), ("Content-Length", "0"), *ANSWER_HEADERS],
                    )
                    return [b""]
            trapped = HONEYPOT_PATH.fullmatch(path)
            if trapped:
                drainer_thread()
                if honeypot_take(_HitRequest(environ), trapped[1], trapped[2], inline=False):
                    start_response("204 No Content", list(ANSWER_HEADERS))
                    return [b""]
        return application(environ, start_response)

    return dispatch
