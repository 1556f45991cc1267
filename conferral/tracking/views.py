"""The tracking endpoints in each email: the open pixel, the "Get certificate" links
and the hidden honeypot link.

Each checks the URL's signature first: a forged or altered URL, or an unknown
recipient, records nothing. The pixel always answers the same transparent GIF, whatever
happens; a link only ever redirects to the recipient's own page, and otherwise answers a
small page that says the link is not valid, so it can never be used as an open
redirect. The honeypot answers an empty 204: whoever follows it is a machine, and there
is nothing for it to see.

A hit is written to the tracking journal before the answer goes out (`hit_take`) and
applied to the database in batches (conferral.tracking.journal). In production the
WSGI entry point answers both URLs itself, past Django's middleware
(conferral.tracking.fastpath), and the drainer applies the journal; here, as
Django views (the test client, a development server without that entry point), each
hit is applied before the answer. All run `hit_take`."""

from __future__ import annotations

import base64
import logging
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Recipient
from conferral.core import signing
from conferral.core.client import client_address
from conferral.core.http import render_in, user_agent
from conferral.core.ids import looks_like_public_id
from conferral.tracking.hits import Hit, hits_apply
from conferral.tracking.journal import journal_append, journal_drain
from conferral.tracking.links import (
    CLICK,
    HONEYPOT,
    LEGACY_LINK,
    OPEN,
    click_purpose,
    known_link,
)
from conferral.tracking.statements import token_of

logger = logging.getLogger(__name__)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
PIXEL_HEADERS = (
    ("Content-Type", "image/gif"),
    ("Cache-Control", "no-store, no-cache, must-revalidate, private, max-age=0"),
    ("Pragma", "no-cache"),
    ("Expires", "0"),
)
PUBLIC_ID_MAX_LENGTH = 32
TRACKED_METHODS = {"GET", "HEAD"}


def signed(purpose: str, public_id: str, sig: str) -> bool:
    return looks_like_public_id(public_id) and signing.verify(purpose, public_id, sig)


def hit_take(
    request: HttpRequest, kind: str, public_id: str, *, inline: bool, link: int = LEGACY_LINK
) -> None:
    """Journal a hit of a signed URL (`inline`: and apply it now). A GET or HEAD only;
    the recipient is looked up when the hit is applied (an unknown one records
    nothing). Should the journal fail, the hit is applied at once instead."""
    method = request.method or "GET"
    if method not in TRACKED_METHODS:
        return
    hit = Hit(
        kind=kind,
        public_id=public_id,
        at=timezone.now(),
        user_agent=user_agent(request),
        client_address=client_address(request),
        method=method,
        link=link,
    )
    try:
        journal_append(hit)
    except OSError:
        logger.exception("the tracking journal failed; applying the hit directly")
        hits_apply([hit])
        return
    if inline:
        journal_drain()


def click_target(
    request: HttpRequest, public_id: str, sig: str, *, inline: bool, link: int = LEGACY_LINK
) -> str | None:
    """Where a click on one of the email's links goes (the recipient's own page, marked
    as reached through the email), its hit taken; None for a link that is not valid."""
    if link != LEGACY_LINK and not known_link(link):
        return None
    if not signed(click_purpose(link), public_id, sig):
        return None
    token = token_of(public_id)
    if token is None:
        return None
    try:
        hit_take(request, CLICK, public_id, inline=inline, link=link)
    except Exception:
        # The person still gets to their credential; the failure is logged.
        logger.exception("could not record a click for %s", public_id)
    return _email_path(token)


@lru_cache(maxsize=4096)
def _email_path(token: str) -> str:
    """The recipient's page through the email (signing it costs more than the rest of
    the click: a scanner's and then the person's click reuse it), built without the
    URLconf (`recipient_page_path`). Only the token is loaded: a Recipient() would draw
    fresh ids for its defaults."""
    return recipient_path(Recipient.from_db(DEFAULT_DB_ALIAS, ["token"], [token]), Channel.EMAIL)


def pixel_take(request: HttpRequest, public_id: str, sig: str, *, inline: bool) -> None:
    """Take the pixel's hit if its URL is signed; never raises (the GIF goes out)."""
    try:
        if signed(OPEN, public_id, sig):
            hit_take(request, OPEN, public_id, inline=inline)
    except Exception:
        logger.exception("could not record an open for %s", public_id[:PUBLIC_ID_MAX_LENGTH])


@csrf_exempt
def open_pixel(request: HttpRequest, public_id: str, sig: str) -> HttpResponse:
    """Record `email.opened` (a HEAD, an image proxy or a prefetch is flagged machine-made)
    and answer a 1x1 transparent GIF, never anything else."""
    pixel_take(request, public_id, sig, inline=True)
    response = HttpResponse(PIXEL)
    for name, value in PIXEL_HEADERS:
        response[name] = value
    return response


def honeypot_take(request: HttpRequest, public_id: str, sig: str, *, inline: bool) -> bool:
    """Take the honeypot's hit if its URL is signed (the recipient is looked up when
    it is applied); False for a link that is not valid."""
    if not signed(HONEYPOT, public_id, sig):
        return False
    try:
        hit_take(request, HONEYPOT, public_id, inline=inline)
    except Exception:
        logger.exception("could not record a honeypot hit for %s", public_id)
    return True


@csrf_exempt
def click(request: HttpRequest, public_id: str, sig: str, link: int = LEGACY_LINK) -> HttpResponse:
    """Record `email.clicked` and redirect to the recipient's own page, marked as
    reached through the email. An invalid link records nothing and redirects nowhere."""
    target = click_target(request, public_id, sig, inline=True, link=link)
    if target is None:
        return render_in(request, None, "tracking/link_invalid.html", {}, status=404)
    return HttpResponseRedirect(target)


@csrf_exempt
def honeypot(request: HttpRequest, public_id: str, sig: str) -> HttpResponse:
    """Record the hidden link's hit as a machine's `email.clicked` and answer nothing
    (204); an invalid one records nothing and gets the page of a link that is not
    valid."""
    if not honeypot_take(request, public_id, sig, inline=True):
        return render_in(request, None, "tracking/link_invalid.html", {}, status=404)
    return HttpResponse(status=204)
