"""DKIM keys and their DNS records: RSA-2048 and Ed25519, published as RFC 6376 and
RFC 8463 say; a stored key that cannot be read is a clear error."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from conferral.delivery.domains import keys
from conferral.delivery.domains.check import resolver, tags


def test_it_publishes_a_2048_bit_rsa_key_as_subject_public_key_info() -> None:
    pair = keys.rsa_generate()

    record = keys.dkim_record(pair.private_pem)

    assert record.startswith("v=DKIM1; k=rsa; p=")
    public = load_der_public_key(base64.b64decode(tags(record)["p"]))
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048
    assert pair.selector.startswith("rsa-")


def test_it_publishes_an_ed25519_key_as_its_raw_32_bytes() -> None:
    pair = keys.ed25519_generate()

    record = keys.dkim_record(pair.private_pem)

    assert record.startswith("v=DKIM1; k=ed25519; p=")
    raw = base64.b64decode(tags(record)["p"])
    assert len(raw) == 32
    assert isinstance(ed25519.Ed25519PublicKey.from_public_bytes(raw), ed25519.Ed25519PublicKey)


def test_it_makes_a_new_selector_each_time() -> None:
    assert keys.rsa_generate().selector != keys.rsa_generate().selector


def test_it_refuses_a_stored_key_that_is_not_a_private_key() -> None:
    with pytest.raises(keys.UnreadableKey, match="cannot be read"):
        keys.public_value("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")


def test_it_asks_the_configured_dns_server_and_refuses_a_bad_port(settings: Settings) -> None:
    settings.DNS_RESOLVER = "127.0.0.1:5353"
    chosen = resolver()
    assert (chosen.nameservers, chosen.port) == (["127.0.0.1"], 5353)

    settings.DNS_RESOLVER = "[::1]:5300"
    assert resolver().port == 5300

    settings.DNS_RESOLVER = "127.0.0.1:dns"
    with pytest.raises(ImproperlyConfigured, match="CONFERRAL_DNS_RESOLVER"):
        resolver()


def test_it_refuses_a_stored_key_of_another_kind() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

    with pytest.raises(keys.UnreadableKey, match="RSA or Ed25519"):
        keys.dkim_record(pem)
