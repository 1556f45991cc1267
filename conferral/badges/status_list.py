"""Revocation as a W3C Bitstring Status List: every credential holds one entry of one
of its organization's lists, and the list credential Conferral serves (signed by the
organization) has that bit set once the credential is revoked, erased or replaced.

The bits are not stored: they are read from the rows that already say it (a
recipient's `revoked_at` or `erased_at`, a credential's `replaced_at`), so revoking through any path
(dashboard, API, bulk) flips the bit with no second write that could be forgotten.
The signed list is kept with the digest of its bits and signed again only when a bit
changed."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.badges.did import key_id, organization_did
from conferral.badges.keys import issuer_key_current
from conferral.badges.loader import VC_V2, shipped_loader
from conferral.badges.models import STATUS_LIST_SIZE, BadgeCredential, StatusList
from conferral.badges.proof import proof_sign

PURPOSE = "revocation"


class StatusListError(ValueError):
    """An encoded list that is not GZIP'd base64url multibase of the right size."""


def status_list_url(status_list: StatusList) -> str:
    path = reverse(
        "badges:status_list",
        args=[status_list.organization.public_id, status_list.number],
    )
    return settings.BASE_URL + path


def status_entry_allocate(organization: Organization) -> tuple[StatusList, int]:
    """The next free entry of the organization's open list (a new list when it is
    full). The caller's transaction keeps it: a rolled-back issue frees nothing but
    also reuses nothing."""
    with transaction.atomic():
        current = (
            StatusList.objects.select_for_update()
            .filter(organization=organization)
            .order_by("-number")
            .first()
        )
        if current is None or current.allocated >= STATUS_LIST_SIZE:
            number = 1 if current is None else current.number + 1
            current = StatusList.objects.create(organization=organization, number=number)
        index = current.allocated
        StatusList.objects.filter(pk=current.pk).update(allocated=index + 1)
        current.allocated = index + 1
    return current, index


def set_indexes(status_list: StatusList) -> list[int]:
    """The indexes whose bit is set: revoked, erased or replaced credentials."""
    rows = BadgeCredential.objects.filter(status_list=status_list).filter(
        Q(recipient__revoked_at__isnull=False)
        | Q(recipient__erased_at__isnull=False)
        | Q(replaced_at__isnull=False)
    )
    return sorted(rows.values_list("status_index", flat=True))


def bitstring_encode(indexes: list[int], size: int = STATUS_LIST_SIZE) -> str:
    """GZIP, then multibase base64url without padding ("u…"); index 0 is the first
    byte's most significant bit."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=")
    return "u" + packed.decode()


def bitstring_bit(encoded: str, index: int) -> bool:
    """Whether bit `index` of an encoded list is set; raises StatusListError."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("the encoded list is not base64url multibase")
    try:
        body = encoded[1:]
        packed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        bits = gzip.decompress(packed)
    except (ValueError, OSError, EOFError) as exc:
        raise StatusListError("the encoded list is not GZIP'd base64url") from exc
    if len(bits) * 8 < STATUS_LIST_SIZE or not 0 <= index < len(bits) * 8:
        raise StatusListError("the list is shorter than its entry's index")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(status_list: StatusList) -> dict[str, Any]:
    """The signed BitstringStatusListCredential, signed again only if a bit changed."""
    encoded = bitstring_encode(set_indexes(status_list))
    digest = hashlib.sha256(encoded.encode()).hexdigest()
    if status_list.signed_digest == digest and status_list.signed_json:
        kept: dict[str, Any] = json.loads(status_list.signed_json)
        return kept
    organization = status_list.organization
    url = status_list_url(status_list)
    now = timezone.now()
    key = issuer_key_current(organization)
    unsigned = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": organization_did(organization),
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded,
        },
    }
    signed = proof_sign(
        unsigned,
        secret=bytes(key.secret),
        verification_method=key_id(organization, key.number),
        created=now,
        loader=shipped_loader(),
    )
    text = json.dumps(signed, ensure_ascii=False)
    StatusList.objects.filter(pk=status_list.pk).update(signed_json=text, signed_digest=digest)
    status_list.signed_json, status_list.signed_digest = text, digest
    return signed
