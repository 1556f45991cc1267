"""DKIM signatures (RFC 6376) on the raw bytes a message is built as: one RSA-SHA256
and one Ed25519-SHA256 (RFC 8463), relaxed/relaxed, over From (signed once more than
it occurs, so no second From can be added), To, Subject, Date, Message-ID, Reply-To,
MIME-Version, Content-Type, List-Unsubscribe and List-Unsubscribe-Post, those present.

dkimpy parses, canonicalizes, hashes and folds, exactly as it does in `dkim.sign`, and
verifies in the tests. Only the signature itself is made here, with keys parsed once
per signer: dkimpy's RSA is pure Python, about 8 ms a message, where OpenSSL's (through
`cryptography`) takes under 1 ms; bench/signing.py measures both."""

from __future__ import annotations

import base64
import hashlib
import time

import dkim
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from dkim.canonicalization import CanonicalizationPolicy

from conferral.delivery.domains import keys
from conferral.delivery.domains.models import SendingDomain

SIGNATURE_HEADER = b"DKIM-Signature"
CANONICALIZATION = b"relaxed/relaxed"
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)
ALGORITHMS = {keys.RSA: b"rsa-sha256", keys.ED25519: b"ed25519-sha256"}
_POLICY = CanonicalizationPolicy.from_c_value(CANONICALIZATION)


class _Key:
    def __init__(self, selector: str, pem: str) -> None:
        self.selector = selector.encode("ascii")
        self.key = keys.private_key_load(pem)
        rsa_key = isinstance(self.key, rsa.RSAPrivateKey)
        self.algorithm = ALGORITHMS[keys.RSA if rsa_key else keys.ED25519]

    def sign(self, digest: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            # RFC 8463: Ed25519 signs the SHA-256 hash of the header data.
            return self.key.sign(digest)
        return self.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


class Signer:
    """Signs messages from one domain with each of its keys."""

    def __init__(self, domain: str, selectors_and_keys: list[tuple[str, str]]) -> None:
        self.domain = domain.encode("idna")
        self.keys = [_Key(selector, pem) for selector, pem in selectors_and_keys]

    def sign(self, raw: bytes) -> bytes:
        """The message with its DKIM-Signature header fields in front."""
        # Only the header block goes through dkimpy's line parser and only the fields to
        # sign through its canonicalization; the body is canonicalized and hashed once
        # for both signatures.
        head, _blank, body = raw.partition(b"\r\n\r\n")
        headers, _none = dkim.rfc822_parse(head + b"\r\n\r\n")
        signed = [(name, value) for name, value in headers if name.lower() in SIGNED_HEADERS]
        present = {name.lower() for name, _value in signed}
        include = [name for name in SIGNED_HEADERS if name in present] + [b"from"]
        canonical = _POLICY.canonicalize_headers(signed)
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
        timestamp = str(int(time.time())).encode("ascii")
        fields = [
            (b"v", b"1"),
            (b"a", b""),
            (b"c", CANONICALIZATION),
            (b"d", self.domain),
            (b"s", b""),
            (b"t", timestamp),
            (b"h", b" : ".join(include)),  # spaces: where the field may fold
            (b"bh", body_hash),
            (b"b", b""),
        ]
        signatures = [self._signature(key, fields, canonical, include) for key in self.keys]
        return b"".join(signatures) + raw

    @staticmethod
    def _signature(
        key: _Key,
        fields: list[tuple[bytes, bytes]],
        canonical: list[tuple[bytes, bytes]],
        include: list[bytes],
    ) -> bytes:
        own = [
            (name, key.algorithm if name == b"a" else key.selector if name == b"s" else value)
            for name, value in fields
        ]
        unsigned = dkim.fold(
            b"; ".join(b"=".join(pair) for pair in own), namelen=len(SIGNATURE_HEADER)
        )
        hasher = hashlib.sha256()
        dkim.hash_headers(
            hasher, _POLICY, canonical, include, (SIGNATURE_HEADER, b" " + unsigned), dict(own)
        )
        own[-1] = (b"b", base64.b64encode(key.sign(hasher.digest())))
        value = dkim.fold(
            b"; ".join(b"=".join(pair) for pair in own) + b"\r\n", namelen=len(SIGNATURE_HEADER)
        )
        return SIGNATURE_HEADER + b": " + bytes(value)


def signer_for(domain: SendingDomain) -> Signer:
    return Signer(
        domain.domain,
        [
            (domain.dkim_selector_rsa, domain.dkim_private_key_rsa),
            (domain.dkim_selector_ed25519, domain.dkim_private_key_ed25519),
        ],
    )
