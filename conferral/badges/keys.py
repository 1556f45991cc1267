"""Each organization's Ed25519 signing keys: made when it first issues a badge,
rotated on demand. Rotation adds a key; none is ever deleted, so every credential
signed before keeps verifying through the DID document (conferral.badges.did)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import transaction
from django.db.models import Max

from conferral.accounts.models import Organization
from conferral.badges.models import IssuerKey


def _lock(organization: Organization) -> None:
    """Serialise key making per organization (two first badges at once make one key)."""
    list(Organization.objects.select_for_update().filter(pk=organization.pk).values("pk"))


def _new_key(organization: Organization) -> IssuerKey:
    """A key numbered after the last one; the caller holds the organization's lock."""
    last = IssuerKey.objects.filter(organization=organization).aggregate(n=Max("number"))["n"]
    secret = Ed25519PrivateKey.generate()
    return IssuerKey.objects.create(
        organization=organization,
        number=(last or 0) + 1,
        secret=secret.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        public=secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def issuer_key_current(organization: Organization) -> IssuerKey:
    """The key that signs now, made on first use."""
    key = IssuerKey.objects.filter(organization=organization).order_by("-number").first()
    if key is not None:
        return key
    with transaction.atomic():
        _lock(organization)
        key = IssuerKey.objects.filter(organization=organization).order_by("-number").first()
        return key if key is not None else _new_key(organization)


def issuer_key_rotate(organization: Organization) -> IssuerKey:
    """A new signing key; the older ones stay listed for verification."""
    with transaction.atomic():
        _lock(organization)
        return _new_key(organization)
