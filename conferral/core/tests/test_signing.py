"""The URL signatures against the standard library's one-shot HMAC, computed here from
the documented recipe: base64url of HMAC-SHA256, keyed with SHA-256 of
"conferral.url-signing:" and the secret key, over "purpose:value", its first 16
characters. Links already in inboxes must keep verifying, whatever the code that
computes them."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.test import override_settings

from conferral.core import signing

VALUES = ["", "a", "r_9f8e7d6c5b4a", "Zoë Ñúñez", "王小明", "x" * 500, "a:b:c"]


def _expected(secret_key: str, purpose: str, value: str) -> str:
    key = hashlib.sha256(b"conferral.url-signing:" + secret_key.encode()).digest()
    mac = hmac.digest(key, f"{purpose}:{value}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac).decode()[: signing.SIGNATURE_LENGTH]


@pytest.mark.parametrize("value", VALUES)
def test_it_signs_with_the_documented_hmac(value: str) -> None:
    with override_settings(SECRET_KEY="k" * 50):
        assert signing.sign("open", value) == _expected("k" * 50, "open", value)
        assert signing.verify("open", value, _expected("k" * 50, "open", value))


def test_it_binds_a_signature_to_its_purpose_and_value() -> None:
    signature = signing.sign("open", "abc")
    assert not signing.verify("click", "abc", signature)
    assert not signing.verify("open", "abd", signature)
    assert not signing.verify("open", "abc", "")
    assert not signing.verify(
        "open", "abc", signature[:-1] + ("A" if signature[-1] != "A" else "B")
    )


def test_it_verifies_old_links_after_the_key_is_rotated() -> None:
    with override_settings(SECRET_KEY="old" * 20):
        old = signing.sign("open", "abc")
    with override_settings(SECRET_KEY="new" * 20, SECRET_KEY_FALLBACKS=["old" * 20]):
        assert signing.verify("open", "abc", old)
        assert signing.sign("open", "abc") == _expected("new" * 20, "open", "abc")
        assert signing.sign("open", "abc") != old
    with override_settings(SECRET_KEY="new" * 20, SECRET_KEY_FALLBACKS=[]):
        assert not signing.verify("open", "abc", old)


def test_it_keys_the_client_hash() -> None:
    with override_settings(SECRET_KEY="k" * 50):
        key = hashlib.sha256(b"conferral.url-signing:" + b"k" * 50).digest()
        expected = hmac.digest(key, b"client:192.0.2.7", "sha256").hex()[:32]
        assert signing.client_hash("192.0.2.7") == expected
        assert signing.client_hash("") == ""
    with override_settings(SECRET_KEY="j" * 50):
        assert signing.client_hash("192.0.2.7") != expected
