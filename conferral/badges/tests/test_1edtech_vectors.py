"""Open Badges 3.0 against 1EdTech's own published material (./vectors/1edtech, sources
in its README): every credential Conferral issues must pass 1EdTech's JSON Schema of
AchievementCredential, 1EdTech's eddsa-rdfc-2022 test vector must come out byte for
byte (N-Quads, hashes, proof value), and 1EdTech's signed examples must verify with
Conferral's proof verifier, a changed copy of them fail."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema  # type: ignore[import-untyped]  # no stubs, no py.typed
import pytest
from django.test import Client

from conferral.badges.issuing import badge_current, badge_reissue
from conferral.badges.loader import CONTEXTS, OB_V3, SHIPPED, VC_V2, _shipped, loader_for
from conferral.badges.multibase import multibase_encode, public_key_raw
from conferral.badges.proof import ProofError, canonical, hash_data, proof_sign, proof_verify
from conferral.badges.verification import credential_verify
from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Certificate, Channel, Recipient

VECTORS = Path(__file__).resolve().parent / "vectors" / "1edtech"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# sha256 of ob_v3p0/context-3.0.3.json in 1EdTech/openbadges-specification, commit
# 74da24dd031d5ca56fbe08e8784354b516d5aa86 (the last to change it).
OB_V3_CONTEXT_SHA256 = "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


SCHEMA = _json("ob_v3p0_achievementcredential_schema.json")
VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)
VECTOR = _json("ob-proof-vector.json")
PUBLISHED_KEY = bytes.fromhex(VECTOR["publicKeyHex"])
# The shipped contexts, and the extensions context 1EdTech's validator examples name.
LOADER = loader_for(
    {
        **{url: _shipped(name) for url, name in SHIPPED.items()},
        EXTENSIONS: _json("ob-v3p0-extensions.json"),
    }
)
SIGNED_EXAMPLES = [
    "ob-signed.json",
    "validator/simple.json",
    "validator/simple-did-key-method.json",
    "validator/simple-did-web-method.json",
]


def _schema_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
        for error in VALIDATOR.iter_errors(document)
    ]


def _offline_key(method: str) -> bytes | None:
    """A verification method resolved without the network: a did:key holds its key,
    and the examples' https:// methods name the key pair 1EdTech publishes with its
    test vector (the controller documents themselves are not published)."""
    if method.startswith("did:key:"):
        return public_key_raw(method.removeprefix("did:key:").partition("#")[0])
    if method.partition("#")[2] == VECTOR["publicKeyMultibase"]:
        return PUBLISHED_KEY
    return None


def _served(client: Client, recipient: Recipient) -> dict[str, Any]:
    response = client.get(urlsplit(badge_current(recipient).document["id"]).path)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = json.loads(response.content)
    return data


def test_it_issues_credentials_that_pass_1edtechs_json_schema(
    client: Client, certificate: Certificate, add_recipients: Any
) -> None:
    certificate.description = "Loops, functions and tests."
    certificate.criteria = "Passed the final exam."
    certificate.expires_at = dt.date(2030, 6, 30)
    certificate.save()
    with_email, without_email = add_recipients(
        ("Jürgen Müller-Łukasz", "Juergen@Example.org"), ("Ada Lovelace", "")
    )
    for recipient in (with_email, without_email):
        credential_claim(recipient=recipient, channel=Channel.EMAIL)
    badge_current(with_email)
    badge_reissue(recipient=with_email, reason="name corrected")
    for recipient in (with_email, without_email):
        document = _served(client, recipient)
        assert _schema_errors(document) == []
    assert "validUntil" in document
    assert document["credentialSubject"]["identifier"][0]["identityType"] == "name"


def test_it_issues_a_credential_without_an_expiry_that_passes_the_schema(
    client: Client, recipient: Recipient
) -> None:
    document = _served(client, recipient)
    assert "validUntil" not in document
    assert _schema_errors(document) == []


def test_it_is_refused_by_the_schema_with_its_proof_as_an_object(
    client: Client, recipient: Recipient
) -> None:
    document = _served(client, recipient)
    (document["proof"],) = document["proof"]
    assert [error.partition(":")[0] for error in _schema_errors(document)] == ["proof"]


@pytest.mark.parametrize(
    "name",
    ["validator/simple.json", "validator/simple-did-key-method.json", "validator/complete.json"],
)
def test_it_agrees_with_the_schema_on_1edtechs_valid_examples(name: str) -> None:
    assert _schema_errors(_json(name)) == []


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("validator/simple-err-type.json", "type"),
        (
            "validator/simple-err-credential-subject-identifier-type.json",
            "credentialSubject/identifier/0/type",
        ),
    ],
)
def test_it_finds_the_errors_1edtech_planted_in_its_examples(name: str, path: str) -> None:
    assert path in [error.partition(":")[0] for error in _schema_errors(_json(name))]


def test_it_ships_the_open_badges_context_1edtech_publishes_byte_for_byte() -> None:
    shipped = (CONTEXTS / SHIPPED[OB_V3]).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == OB_V3_CONTEXT_SHA256


def test_it_canonicalises_1edtechs_vector_to_the_published_n_quads_and_hashes() -> None:
    signed = _json("ob-signed.json")
    unsecured = {key: value for key, value in signed.items() if key != "proof"}
    data, proof_nquads, document_nquads = hash_data(unsecured, signed["proof"], LOADER)
    assert document_nquads == (VECTORS / "ob-document-canon.txt").read_text(encoding="utf-8")
    assert proof_nquads == (VECTORS / "ob-proof-canon.txt").read_text(encoding="utf-8")
    assert hashlib.sha256(document_nquads.encode()).hexdigest() == VECTOR["documentHashHex"]
    assert hashlib.sha256(proof_nquads.encode()).hexdigest() == VECTOR["proofHashHex"]
    assert data.hex() == VECTOR["dataToSignHex"]


def test_it_signs_1edtechs_vector_credential_to_the_published_proof_value() -> None:
    signed = _json("ob-signed.json")
    unsecured = {key: value for key, value in signed.items() if key != "proof"}
    # The published private key is the 32-byte seed followed by the public key.
    seed = bytes.fromhex(VECTOR["privateKeyHex"])[:32]
    assert bytes.fromhex(VECTOR["privateKeyHex"])[32:] == PUBLISHED_KEY
    assert public_key_raw(VECTOR["publicKeyMultibase"]) == PUBLISHED_KEY

    ours = proof_sign(
        unsecured,
        secret=seed,
        verification_method=signed["proof"]["verificationMethod"],
        created=dt.datetime(2010, 1, 1, 19, 23, 24, tzinfo=dt.UTC),
        loader=LOADER,
    )

    assert ours["proof"]["proofValue"] == VECTOR["proofValue"]
    assert multibase_encode(bytes.fromhex(VECTOR["signatureHex"])) == VECTOR["proofValue"]
    assert ours == signed


@pytest.mark.parametrize("name", SIGNED_EXAMPLES)
def test_it_verifies_1edtechs_signed_examples(name: str) -> None:
    document = _json(name)
    method = proof_verify(document, public_key=_offline_key, loader=LOADER)
    assert method.endswith(VECTOR["publicKeyMultibase"])


@pytest.mark.parametrize("name", SIGNED_EXAMPLES)
def test_it_refuses_a_changed_copy_of_1edtechs_signed_examples(name: str) -> None:
    document = _json(name)
    document["credentialSubject"]["achievement"]["name"] += "!"
    with pytest.raises(ProofError, match="does not match"):
        proof_verify(document, public_key=_offline_key, loader=LOADER)


def test_it_canonicalises_1edtechs_complete_example_though_its_key_is_not_published() -> None:
    document = _json("validator/complete.json")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    assert canonical(unsecured, LOADER).count("\n") > 100
    with pytest.raises(ProofError, match="does not list"):
        proof_verify(document, public_key=_offline_key, loader=LOADER)


def test_it_still_verifies_a_credential_kept_with_its_proof_as_an_object(
    client: Client, recipient: Recipient
) -> None:
    document = _served(client, recipient)
    older = copy.deepcopy(document)
    (older["proof"],) = older["proof"]

    verdict = credential_verify(json.dumps(older).encode())

    assert verdict.error == ""
    assert verdict.valid, verdict.checks
    assert document["@context"] == [VC_V2, OB_V3]
