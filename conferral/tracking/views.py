"""The tracking endpoints in each email: the open pixel and the "Get certificate" link.

Both check the URL's signature first: a forged or altered URL, or an unknown recipient,
records nothing. The pixel always answers the same transparent GIF, whatever happens;
the link only ever redirects to the recipient's own page, and otherwise answers a small
page that says the link is not valid, so it can never be used as an open redirect."""

from __future__ import annotations

import base64
import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Recipient
from conferral.core import signing
from conferral.core.client import client_address
from conferral.core.http import render_in, user_agent
from conferral.core.ids import looks_like_public_id
from conferral.tracking.links import CLICK, OPEN
from conferral.tracking.services import email_click_record, email_open_record

logger = logging.getLogger(__name__)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
PUBLIC_ID_MAX_LENGTH = 32
TRACKED_METHODS = {"GET", "HEAD"}


def _recipient(purpose: str, public_id: str, sig: str) -> Recipient | None:
    if not looks_like_public_id(public_id) or not signing.verify(purpose, public_id, sig):
        return None
    return Recipient.objects.filter(public_id=public_id).first()


def _pixel() -> HttpResponse:
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response


@csrf_exempt
def open_pixel(request: HttpRequest, public_id: str, sig: str) -> HttpResponse:
    """Record `email.opened` (a HEAD, an image proxy or a prefetch is flagged machine-made)
    and answer a 1x1 transparent GIF, never anything else."""
    try:
        recipient = _recipient(OPEN, public_id, sig)
        if recipient is not None and request.method in TRACKED_METHODS:
            email_open_record(
                recipient=recipient,
                user_agent=user_agent(request),
                client_address=client_address(request),
                method=request.method or "GET",
            )
    except Exception:
        logger.exception("could not record an open for %s", public_id[:PUBLIC_ID_MAX_LENGTH])
    return _pixel()


@csrf_exempt
def click(request: HttpRequest, public_id: str, sig: str) -> HttpResponse:
    """Record `email.clicked` and redirect to the recipient's own page, marked as
    reached through the email. An invalid link records nothing and redirects nowhere."""
    recipient = _recipient(CLICK, public_id, sig)
    if recipient is None:
        return render_in(request, None, "tracking/link_invalid.html", {}, status=404)
    if request.method in TRACKED_METHODS:
        try:
            email_click_record(
                recipient=recipient,
                user_agent=user_agent(request),
                client_address=client_address(request),
                method=request.method or "GET",
            )
        except Exception:
            # The person still gets to their credential; the failure is logged.
            logger.exception("could not record a click for %s", public_id)
    return HttpResponseRedirect(recipient_path(recipient, Channel.EMAIL))
