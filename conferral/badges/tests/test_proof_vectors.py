"""eddsa-rdfc-2022 against the W3C vc-di-eddsa test vectors (./vectors): the canonical
N-Quads, both hashes and the proof value must come out byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conferral.badges.loader import VC_V2, ContextRefused, _shipped, loader_for, shipped_loader
from conferral.badges.multibase import public_key_multibase, public_key_raw, secret_key_raw
from conferral.badges.proof import ProofError, canonical, hash_data, proof_sign, proof_verify

VECTORS = Path(__file__).resolve().parent / "vectors"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
LOADER = loader_for(
    {
        VC_V2: _shipped("credentials-v2.jsonld"),
        EXAMPLES_V2: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text()),
    }
)


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return data


def _text(name: str) -> str:
    return (VECTORS / name).read_text()


KEYS = _json("keyPair.json")
SECRET = secret_key_raw(KEYS["privateKeyMultibase"])
PUBLIC = public_key_raw(KEYS["publicKeyMultibase"])


def _public_key(method: str) -> bytes | None:
    return PUBLIC if method.endswith("#" + KEYS["publicKeyMultibase"]) else None


def test_it_derives_the_vector_public_key_from_its_private_key() -> None:
    derived = Ed25519PrivateKey.from_private_bytes(SECRET).public_key()
    raw = derived.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert public_key_multibase(raw) == KEYS["publicKeyMultibase"]


def test_it_canonicalises_the_document_and_the_proof_options_as_the_vectors_do() -> None:
    options = _json("proofConfigDataInt.json")
    data, config_nquads, document_nquads = hash_data(_json("unsigned.json"), options, LOADER)
    assert document_nquads == _text("canonDocDataInt.txt")
    assert config_nquads == _text("proofCanonDataInt.txt")
    assert hashlib.sha256(document_nquads.encode()).hexdigest() == _text("docHashDataInt.txt")
    assert hashlib.sha256(config_nquads.encode()).hexdigest() == _text("proofHashDataInt.txt")
    assert data.hex() == _text("proofHashDataInt.txt") + _text("docHashDataInt.txt")


def test_it_signs_the_vector_document_to_the_vector_proof_value() -> None:
    options = _json("proofConfigDataInt.json")
    signed = proof_sign(
        _json("unsigned.json"),
        secret=SECRET,
        verification_method=options["verificationMethod"],
        created=dt.datetime(2023, 2, 24, 23, 36, 38, tzinfo=dt.UTC),
        loader=LOADER,
    )
    assert signed["proof"]["proofValue"] == _text("sigBTC58DataInt.txt")
    assert signed == _json("signedDataInt.json")


def test_it_verifies_the_vector_signed_document() -> None:
    method = proof_verify(_json("signedDataInt.json"), public_key=_public_key, loader=LOADER)
    assert method.startswith("did:key:")


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["credentialSubject"].update(alumniOf="Another School"),
        lambda doc: doc.update(validFrom="2024-01-01T00:00:00Z"),
        lambda doc: doc["proof"].update(created="2024-02-24T23:36:38Z"),
    ],
    ids=["subject", "dates", "proof-options"],
)
def test_it_refuses_a_tampered_document(change: Any) -> None:
    signed = _json("signedDataInt.json")
    change(signed)
    with pytest.raises(ProofError, match="does not match"):
        proof_verify(signed, public_key=_public_key, loader=LOADER)


def test_it_refuses_a_context_it_does_not_ship_instead_of_fetching_it() -> None:
    with pytest.raises(ContextRefused, match=r"https://example\.org/context"):
        canonical({"@context": ["https://example.org/context"], "name": "x"}, LOADER)


def test_it_does_not_lend_a_context_one_loader_served_to_another() -> None:
    canonical(_json("unsigned.json"), LOADER)  # resolves the examples context

    with pytest.raises(ContextRefused, match=r"examples/v2"):
        canonical(_json("unsigned.json"), shipped_loader())
