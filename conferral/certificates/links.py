"""The public addresses of a recipient's credential, built from CONFERRAL_BASE_URL."""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from conferral.certificates.models import Channel, Recipient
from conferral.core import signing

CHANNEL_PURPOSE = "channel"
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
"""What tokens and credential ids are made of: characters a URL carries as they are."""
_SLOT = "0slot0"


def _path(name: str, kwarg: str, value: str) -> str:
    """`reverse(name, kwargs={kwarg: value})`, from the route's path around the value,
    looked up once per URLconf and script prefix (`_route`): a page of 50 recipients in
    the API asked `reverse` for 100 paths, 7 of its 15 ms of serialising (CPU, 100,000
    recipients, bench/read.py). A value of other characters goes through `reverse`."""
    if not _URL_SAFE.fullmatch(value):
        return reverse(name, kwargs={kwarg: value})
    head, tail = _route(name, kwarg, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{head}{value}{tail}"


@cache
def _route(name: str, kwarg: str, urlconf: str, prefix: str) -> tuple[str, str]:
    # `prefix` is part of the cache's key only: `reverse` reads the same script prefix.
    head, _slot, tail = reverse(name, kwargs={kwarg: _SLOT}, urlconf=urlconf).partition(_SLOT)
    return head, tail


def recipient_path(recipient: Recipient, channel: Channel | str) -> str:
    """The recipient link with a signed mark of how it was handed out; a claim through
    it records that channel. An unmarked or tampered mark counts as `admin`."""
    channel = Channel(channel)
    path = _path("recipient:page", "token", recipient.token)
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
    return settings.BASE_URL + _path("recipient:verify", "credential_id", recipient.credential_id)
