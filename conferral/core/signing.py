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


# The bytes of a MAC that a signature shows: base64 of 12 bytes is SIGNATURE_LENGTH
# characters, without padding.
_SIGNATURE_BYTES = SIGNATURE_LENGTH * 3 // 4


@lru_cache(maxsize=8)
def _mac(secret_key: str) -> hmac.HMAC:
    """An HMAC keyed with the key derived from `secret_key`, to be copied for each
    message: a copy costs about 1.8 µs where keying a new HMAC cost 2.8 µs, and a sent
    message carries six signatures."""
    key = hashlib.sha256(b"conferral.url-signing:" + secret_key.encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _digest(secret_key: str, message: str) -> hmac.HMAC:
    mac = _mac(secret_key).copy()
    mac.update(message.encode())
    return mac


def _sign_with(secret_key: str, purpose: str, value: str) -> str:
    mac = _digest(secret_key, f"{purpose}:{value}").digest()
    return base64.urlsafe_b64encode(mac[:_SIGNATURE_BYTES]).decode()


def sign(purpose: str, value: str) -> str:
    return _sign_with(settings.SECRET_KEY, purpose, value)


def verify(purpose: str, value: str, signature: str) -> bool:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(
        hmac.compare_digest(_sign_with(key, purpose, value), signature or "") for key in keys
    )


def client_hash(address: str) -> str:
    """A keyed hash of a client address: comparable between events, not reversible."""
    if not address:
        return ""
    return _digest(settings.SECRET_KEY, f"client:{address}").hexdigest()[:32]
