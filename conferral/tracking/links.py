"""Signed tracking URLs put into each recipient's email. A forged or altered URL fails
its signature check: the endpoint records nothing and still answers safely."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from conferral.certificates.models import Recipient
from conferral.core import signing

OPEN = "open"
CLICK = "click"


def open_pixel_url(recipient: Recipient) -> str:
    sig = signing.sign(OPEN, recipient.public_id)
    return settings.BASE_URL + reverse(
        "tracking:open", kwargs={"public_id": recipient.public_id, "sig": sig}
    )


def click_url(recipient: Recipient) -> str:
    """The tracked "Get certificate" link; it only ever redirects to this recipient's
    own page, so it cannot be turned into an open redirect."""
    sig = signing.sign(CLICK, recipient.public_id)
    return settings.BASE_URL + reverse(
        "tracking:click", kwargs={"public_id": recipient.public_id, "sig": sig}
    )
