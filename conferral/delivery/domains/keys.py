"""DKIM key pairs: a 2048-bit RSA key, which every receiver verifies, and an Ed25519
key (RFC 8463), far smaller and faster, which receivers that know it prefer. Both sign
every message, so a receiver that skips one algorithm still finds a valid signature.

Private keys are kept as PKCS#8 PEM; the public halves are published in DNS in the
DKIM TXT format: RSA as the base64 DER SubjectPublicKeyInfo, Ed25519 as the base64 of
the raw 32-byte key (RFC 8463 section 4.2)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.utils import timezone

RSA_BITS = 2048
RSA = "rsa"
ED25519 = "ed25519"


class UnreadableKey(ValueError):
    """A stored private key that cannot be read."""


@dataclass(frozen=True)
class KeyPair:
    selector: str
    private_pem: str


def new_selector(algorithm: str) -> str:
    """A selector that is new at each key change, so the old record can stay published
    until messages signed with the old key have been delivered: "rsa-20261201-3f9a"."""
    return f"{algorithm}-{timezone.now():%Y%m%d}-{secrets.token_hex(2)}"


def _pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def rsa_generate() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return KeyPair(new_selector(RSA), _pem(key))


def ed25519_generate() -> KeyPair:
    return KeyPair(new_selector(ED25519), _pem(ed25519.Ed25519PrivateKey.generate()))


def private_key_load(pem: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as error:
        raise UnreadableKey(f"the private key cannot be read: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise UnreadableKey(f"a DKIM key is RSA or Ed25519, not {type(key).__name__}")
    return key


def public_value(pem: str) -> str:
    """The p= value of the DKIM record for a private key."""
    key = private_key_load(pem)
    if isinstance(key, rsa.RSAPrivateKey):
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        der = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    return base64.b64encode(der).decode("ascii")


def dkim_record(pem: str) -> str:
    """The whole TXT value: `v=DKIM1; k=rsa; p=...` or `v=DKIM1; k=ed25519; p=...`."""
    kind = RSA if isinstance(private_key_load(pem), rsa.RSAPrivateKey) else ED25519
    return f"v=DKIM1; k={kind}; p={public_value(pem)}"
