"""A credential Conferral issued, verified by an independent implementation: Digital
Bazaar's @digitalbazaar/vc with its eddsa-rdfc-2022 cryptosuite (scripts/js-tools),
run as a node process. It gets the contexts Conferral ships, the DID document and the
status list Conferral serves, and nothing else; a tampered or revoked credential must
fail there too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from conferral.badges.did import DID_CONTEXTS
from conferral.badges.issuing import badge_current
from conferral.badges.loader import SHIPPED, _shipped
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Recipient
from conferral.testing.services import unavailable

TOOLS = Path(__file__).resolve().parents[3] / "scripts" / "js-tools"
SCRIPT = TOOLS / "vc-verify.mjs"
CONTEXT_PACKAGES = {
    DID_CONTEXTS[0]: ("did-context", "contexts/did-v1.jsonld"),
    DID_CONTEXTS[1]: ("@digitalbazaar/multikey-context", "contexts/multikey-v1.jsonld"),
}


def _node_ready() -> bool:
    return (
        shutil.which("node") is not None
        and (TOOLS / "node_modules" / "@digitalbazaar" / "vc").is_dir()
    )


@pytest.fixture
def verifier() -> Any:
    if not _node_ready():
        unavailable("node or scripts/js-tools' packages are missing (scripts/install-deps)")

    def verify(credential: dict[str, Any], documents: dict[str, Any]) -> dict[str, Any]:
        for url, (package, name) in CONTEXT_PACKAGES.items():
            documents[url] = json.loads((TOOLS / "node_modules" / package / name).read_text())
        for url, name in SHIPPED.items():
            documents[url] = _shipped(name)
        done = subprocess.run(
            ["node", str(SCRIPT)],
            input=json.dumps({"credential": credential, "documents": documents}),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    return verify


def test_it_is_verified_by_digital_bazaars_implementation(
    client: Client, recipient: Recipient, verifier: Any
) -> None:
    credential = badge_current(recipient).document
    did = credential["issuer"]["id"]
    path = "/" + "/".join(did.split(":")[3:]) + "/did.json"
    did_document = json.loads(client.get(path).content)
    list_url = credential["credentialStatus"]["statusListCredential"]

    def served() -> dict[str, Any]:
        status_list = json.loads(client.get(urlsplit(list_url).path).content)
        return {did: did_document, list_url: status_list}

    assert verifier(credential, served()) == {"verified": True, "error": ""}

    tampered = json.loads(json.dumps(credential))
    tampered["name"] = "Something Else"
    assert verifier(tampered, served())["verified"] is False

    recipient_revoke(recipient=recipient, reason="Issued by mistake")
    assert verifier(credential, served()) == {"verified": False, "error": "revoked"}
