"""Short HMAC signatures for URLs we mail out (tracking links, channel marks).

A signature binds a purpose and a value; a forged or altered URL fails `verify`."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

SIGNATURE_LENGTH = 16


def _key() -> bytes:
    return hashlib.sha256(b"conferral.url-signing:" + settings.SECRET_KEY.encode()).digest()


def sign(purpose: str, value: str) -> str:
    mac = hmac.new(_key(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:SIGNATURE_LENGTH]


def verify(purpose: str, value: str, signature: str) -> bool:
    return hmac.compare_digest(sign(purpose, value), signature or "")


def client_hash(address: str) -> str:
    """A keyed hash of a client address: comparable between events, not reversible."""
    if not address:
        return ""
    mac = hmac.new(_key(), f"client:{address}".encode(), hashlib.sha256).hexdigest()
    return mac[:32]
