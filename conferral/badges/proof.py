"""The Data Integrity proof `eddsa-rdfc-2022` (W3C vc-di-eddsa): sign a JSON-LD document
with an Ed25519 key, and verify such a proof.

Both sides hash two RDF canonicalisations (RDFC-1.0, pyld's URDNA2015): the proof's
options under the document's `@context`, then the document without its proof. The
signature is over sha256(options) followed by sha256(document). Every context comes
from the document loader passed in (conferral.badges.loader), so a document naming an
unknown context is refused instead of being read through a fetched one."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld  # type: ignore[import-untyped]  # no stubs, no py.typed
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

from conferral.badges.loader import ContextRefused, Loader
from conferral.badges.multibase import MultibaseError, multibase_decode, multibase_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION = "assertionMethod"


class ProofError(Exception):
    """The proof is missing, malformed, or does not verify; the message says which."""


def canonical(document: Mapping[str, Any], loader: Loader) -> str:
    """The RDFC-1.0 canonical N-Quads of `document`."""
    try:
        nquads: str = jsonld.normalize(
            dict(document),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "contextResolver": ContextResolver(loader.resolved, loader),
            },
        )
    except ContextRefused:
        raise
    except jsonld.JsonLdError as exc:
        refused = _refusal_in(exc)
        if refused is not None:
            raise refused from exc
        raise ProofError(f"not valid JSON-LD: {exc.args[0] if exc.args else exc}") from exc
    return nquads


def _refusal_in(exc: BaseException) -> ContextRefused | None:
    """The ContextRefused that pyld wrapped (in `cause`, `details` or the chain)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ContextRefused):
            return seen
        details = getattr(seen, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        seen = cause if isinstance(cause, BaseException) else seen.__cause__ or seen.__context__
    return None


def hash_data(
    unsecured: Mapping[str, Any], options: Mapping[str, Any], loader: Loader
) -> tuple[bytes, str, str]:
    """What the signature covers, with the two canonical forms it was made from."""
    config = {key: value for key, value in options.items() if key != "proofValue"}
    config["@context"] = unsecured.get("@context")
    config_nquads = canonical(config, loader)
    document_nquads = canonical(unsecured, loader)
    data = (
        hashlib.sha256(config_nquads.encode()).digest()
        + hashlib.sha256(document_nquads.encode()).digest()
    )
    return data, config_nquads, document_nquads


def proof_sign(
    document: Mapping[str, Any],
    *,
    secret: bytes,
    verification_method: str,
    created: dt.datetime,
    loader: Loader,
) -> dict[str, Any]:
    """`document` with an `eddsa-rdfc-2022` proof by the 32-byte Ed25519 `secret`."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION,
    }
    data, _, _ = hash_data(unsecured, options, loader)
    signature = Ed25519PrivateKey.from_private_bytes(secret).sign(data)
    return {
        **copy.deepcopy(unsecured),
        "proof": {**options, "proofValue": multibase_encode(signature)},
    }


def proof_of(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The document's one proof: an object, or an array holding exactly one. VC 2.0
    allows either form; Open Badges 3.0's JSON Schema requires the array, so Conferral's
    own credentials carry one while status lists and older credentials carry the object."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


def proof_verify(
    document: Mapping[str, Any],
    *,
    public_key: Callable[[str], bytes | None],
    loader: Loader,
) -> str:
    """Verify the document's one `eddsa-rdfc-2022` proof and return its verification
    method; `public_key` gives the raw Ed25519 key of a verification method the issuer
    lists for assertions (None: not one of the issuer's). Raises ProofError."""
    proof = proof_of(document)
    if proof is None:
        raise ProofError("the credential has no proof (or more than one)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is not a {PROOF_TYPE} of the {CRYPTOSUITE} suite")
    if proof.get("proofPurpose") != ASSERTION:
        raise ProofError("the proof's purpose is not assertionMethod")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("the proof names no verification method")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("the proof's @context differs from the credential's")
    try:
        signature = multibase_decode(proof.get("proofValue", ""))
    except MultibaseError as exc:
        raise ProofError(f"the proof value is not base58btc: {exc}") from exc
    raw = public_key(method)
    if raw is None:
        raise ProofError(f"the issuer does not list {method} as one of its keys")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key not in ("proofValue", "@context")}
    data, _, _ = hash_data(unsecured, options, loader)
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise ProofError("the signature does not match: the credential was changed") from exc
    return method
