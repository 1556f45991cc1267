"""The public addresses of a recipient's credential, built from CONFERRAL_BASE_URL."""

from __future__ import annotations

from django.conf import settings

from conferral.certificates.models import Channel, Recipient
from conferral.core import signing

CHANNEL_PURPOSE = "channel"
# The paths of "recipient:page" and "recipient:verify" in conferral.recipient.urls, for
# tokens and credential ids, which are made of characters a URL carries as they are.
PAGE_PATH = "/r/{token}"
VERIFY_PATH = "/v/{credential_id}"


def recipient_page_path(token: str) -> str:
    """What `reverse("recipient:page", kwargs={"token": token})` answers, without the
    URLconf. The click fast path builds its redirect with it: a web process that
    reversed on its first click imported the whole URLconf there, 0.8 to 3.7 s under
    load (bench/track.py), while every other request of the process waited for the
    GIL and the import lock; that was the p99 of 1.6 s. A page of 50 recipients in the
    API had also asked `reverse` for 100 paths, 7 of its 15 ms of serialising (CPU,
    100,000 recipients, bench/read.py)."""
    return PAGE_PATH.format(token=token)


def recipient_path(recipient: Recipient, channel: Channel | str) -> str:
    """The recipient link with a signed mark of how it was handed out; a claim through
    it records that channel. An unmarked or tampered mark counts as `admin`."""
    channel = Channel(channel)
    path = recipient_page_path(recipient.token)
    mark = signing.sign(CHANNEL_PURPOSE, f"{recipient.token}:{channel.value}")
    return f"{path}?via={channel.value}.{mark}"


def recipient_url(recipient: Recipient, channel: Channel | str) -> str:
    return settings.BASE_URL + recipient_path(recipient, channel)


def channel_from_mark(token: str, mark: str | None) -> Channel:
    if mark and "." in mark:
        value, signature = mark.split(".", 1)
        if value in Channel.values and signing.verify(
            CHANNEL_PURPOSE, f"{token}:{value}", signature
        ):
            return Channel(value)
    return Channel.ADMIN


def verify_url(recipient: Recipient) -> str:
    """The credential's public verification page (`reverse("recipient:verify")`'s path,
    built as `recipient_page_path` is)."""
    return settings.BASE_URL + VERIFY_PATH.format(credential_id=recipient.credential_id)
