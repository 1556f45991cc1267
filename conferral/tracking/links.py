"""Signed tracking URLs put into each recipient's email. A forged or altered URL fails
its signature check: the endpoint records nothing and still answers safely.

Each tracked link of a message has its own signed URL (`Link`), so that a client that
follows every one of them at once is told apart from a person, who follows one. A
message sent before links were told apart carries one URL for all of them, without an
index (`LEGACY_LINK`); it keeps working. The honeypot is a link no person can see or
reach (conferral/delivery/templates/delivery/email.html): only a machine follows it."""

from __future__ import annotations

from enum import IntEnum

from django.conf import settings
from django.urls import reverse

from conferral.certificates.models import Recipient
from conferral.core import signing

OPEN = "open"
CLICK = "click"
HONEYPOT = "honeypot"
LEGACY_LINK = 0


class Link(IntEnum):
    """The tracked links of a message, as numbered in their URLs."""

    BUTTON = 1  # the HTML part's button
    ADDRESS = 2  # the HTML part's written-out address under it
    TEXT = 3  # the text part's address


def click_purpose(link: int) -> str:
    """What a click URL's signature binds: the link's number with the recipient, so one
    link's signature never passes for another's."""
    return CLICK if link == LEGACY_LINK else f"{CLICK}:{link}"


LINKS = frozenset(Link)


def known_link(link: int) -> bool:
    """Whether a number from a click URL names one of the message's links."""
    return link in LINKS


def open_pixel_url(recipient: Recipient) -> str:
    sig = signing.sign(OPEN, recipient.public_id)
    return settings.BASE_URL + reverse(
        "tracking:open", kwargs={"public_id": recipient.public_id, "sig": sig}
    )


def click_url(recipient: Recipient, link: Link = Link.BUTTON) -> str:
    """A tracked "Get certificate" link; it only ever redirects to this recipient's own
    page, so it cannot be turned into an open redirect."""
    sig = signing.sign(click_purpose(link), recipient.public_id)
    return settings.BASE_URL + reverse(
        "tracking:link",
        kwargs={"public_id": recipient.public_id, "link": int(link), "sig": sig},
    )


def honeypot_url(recipient: Recipient) -> str:
    """The hidden link: a hit on it is a machine's, and so are that client's other hits
    on the message (conferral.tracking.sequence)."""
    sig = signing.sign(HONEYPOT, recipient.public_id)
    return settings.BASE_URL + reverse(
        "tracking:honeypot", kwargs={"public_id": recipient.public_id, "sig": sig}
    )
