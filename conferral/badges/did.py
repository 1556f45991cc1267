"""The issuer as `did:web`: each organization is `did:web:<host>:badges:<public id>`,
whose DID document Conferral serves at https://<host>/badges/<public id>/did.json (the
did:web method's mapping: the host from settings.BASE_URL, a port written `%3A`).

The document lists every key the organization ever had, so a credential signed before
a rotation still finds its key; the newest signs from now on (conferral.badges.keys)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from conferral.accounts.models import Organization
from conferral.badges.models import IssuerKey
from conferral.badges.multibase import public_key_multibase

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
SEGMENT = "badges"


def _host_and_path() -> tuple[str, list[str]]:
    base = urlsplit(settings.BASE_URL)
    host = quote(base.netloc, safe="")  # "example.org:8443" -> "example.org%3A8443"
    return host, [part for part in base.path.split("/") if part]


def organization_did(organization: Organization) -> str:
    host, path = _host_and_path()
    return ":".join(["did:web", host, *path, SEGMENT, organization.public_id])


def key_id(organization: Organization, number: int) -> str:
    """The DID URL of one key: the verification method a proof names."""
    return f"{organization_did(organization)}#key-{number}"


def did_document(organization: Organization) -> dict[str, Any]:
    did = organization_did(organization)
    keys = list(IssuerKey.objects.filter(organization=organization).order_by("number"))
    methods = [
        {
            "id": f"{did}#key-{key.number}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key_multibase(bytes(key.public)),
        }
        for key in keys
    ]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def organization_of_did(did: str) -> Organization | None:
    """The organization of this installation that `did` names, if any."""
    host, path = _host_and_path()
    prefix = ":".join(["did:web", host, *path, SEGMENT]) + ":"
    if not did.startswith(prefix):
        return None
    return Organization.objects.filter(public_id=did.removeprefix(prefix)).first()


def key_of_method(method: str) -> bytes | None:
    """The raw public key of a verification method `did:web:…#key-N` of this
    installation (None: not one of its organizations' keys)."""
    did, _, fragment = method.partition("#")
    organization = organization_of_did(did)
    number = fragment.removeprefix("key-")
    if organization is None or not fragment.startswith("key-") or not number.isdigit():
        return None
    key = IssuerKey.objects.filter(organization=organization, number=int(number)).first()
    return None if key is None else bytes(key.public)
