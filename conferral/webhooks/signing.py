"""How a delivery is signed, so a receiver knows it came from us and is recent:

    Conferral-Webhook-Id: <the delivery's id, the same on every retry>
    Conferral-Webhook-Timestamp: <seconds since 1970>
    Conferral-Webhook-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>

Signing the timestamp with the body lets a receiver refuse an old message replayed by
someone who recorded it (docs/webhooks.md has the verification snippet)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
TOLERANCE_SECONDS = 300
SIGNATURE_VERSION = "v1"


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def signed_headers(
    *, secret: str, delivery_id: str, body: str, now: float | None = None
) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Conferral-Webhook-Id": delivery_id,
        "Conferral-Webhook-Timestamp": str(timestamp),
        "Conferral-Webhook-Signature": signature(secret, timestamp, body),
    }


def signature_valid(
    *, secret: str, timestamp: str, body: str, header: str, now: float | None = None
) -> bool:
    """What a receiver checks (the documented snippet does the same): a recent
    timestamp and one matching `v1=` signature among those the header lists."""
    try:
        at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - at) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, at, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
