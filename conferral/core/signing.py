"""Short HMAC signatures for URLs we mail out (tracking links, channel marks).

A signature binds a purpose and a value; a forged or altered URL fails `verify`. New
signatures use the current SECRET_KEY; `verify` also accepts the keys in
SECRET_KEY_FALLBACKS, so the links already in people's inboxes keep working after the
key is rotated (docs/security.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

SIGNATURE_LENGTH = 16


@lru_cache(maxsize=8)
def _derived(secret_key: str) -> bytes:
    return hashlib.sha256(b"conferral.url-signing:" + secret_key.encode()).digest()


def _key() -> bytes:
    return _derived(settings.SECRET_KEY)


def _sign_with(key: bytes, purpose: str, value: str) -> str:
    mac = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:SIGNATURE_LENGTH]


def sign(purpose: str, value: str) -> str:
    return _sign_with(_key(), purpose, value)


def verify(purpose: str, value: str, signature: str) -> bool:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(
        hmac.compare_digest(_sign_with(_derived(key), purpose, value), signature or "")
        for key in keys
    )


def client_hash(address: str) -> str:
    """A keyed hash of a client address: comparable between events, not reversible."""
    if not address:
        return ""
    mac = hmac.new(_key(), f"client:{address}".encode(), hashlib.sha256).hexdigest()
    return mac[:32]
