"""Issuing a recipient's OpenBadgeCredential (Open Badges 3.0 on the W3C Verifiable
Credentials Data Model 2.0), and reissuing it.

A credential is issued the first time it is asked for (the recipient page, the JSON
download, the API), signed once and kept as signed: its JSON never changes, so a copy
someone saved stays byte-for-byte the one served. The recipient is named by a salted
SHA-256 hash of their email address (an IdentityObject), never by the address itself.
A reissue signs a new credential (new id, new status entry, the current certificate
data) and marks the old one replaced, which sets its status bit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conferral.badges.did import key_id, organization_did
from conferral.badges.keys import issuer_key_current
from conferral.badges.loader import OB_V3, VC_V2, shipped_loader
from conferral.badges.models import BadgeCredential
from conferral.badges.proof import proof_sign
from conferral.badges.status_list import PURPOSE, status_entry_allocate, status_list_url
from conferral.certificates.credentials import CredentialRevoked
from conferral.certificates.erasure import recipient_erased_refuse
from conferral.certificates.event_details import CredentialReissued
from conferral.certificates.events import event_record
from conferral.certificates.models import Channel, Recipient

REASON_MAX = 2000


def signed_text(document: dict[str, Any]) -> str:
    """The JSON text a signed document is kept and served as."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(identity: str, salt: str) -> str:
    """Open Badges' hashed identity: "sha256$" and the hex digest of identity + salt.
    An email address is compared lower-cased, as people type it either way."""
    return "sha256$" + hashlib.sha256((identity.strip().lower() + salt).encode()).hexdigest()


def credential_url(credential_uuid: uuid.UUID | str) -> str:
    return settings.BASE_URL + reverse("badges:credential", args=[str(credential_uuid)])


def image_url(credential_uuid: uuid.UUID | str) -> str:
    return settings.BASE_URL + reverse("badges:image", args=[str(credential_uuid), "png"])


def achievement_id(certificate_public_id: str) -> str:
    """A stable URI for the certificate's achievement, the same in all its credentials."""
    name = f"{settings.BASE_URL}/achievements/{certificate_public_id}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _unsigned(
    recipient: Recipient, credential_uuid: uuid.UUID, list_url: str, index: int, now: dt.datetime
) -> dict[str, Any]:
    certificate = recipient.certificate
    organization = certificate.organization
    salt = secrets.token_hex(16)
    identity = (
        {"identityType": "emailAddress", "identityHash": identity_hash(recipient.email, salt)}
        if recipient.email
        else {"identityType": "name", "identityHash": identity_hash(recipient.name, salt)}
    )
    issued = certificate.issue_date
    valid_from = (
        dt.datetime.combine(issued, dt.time(), tzinfo=dt.UTC) if issued is not None else now
    )
    description = certificate.description.strip() or certificate.name
    document: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_url(credential_uuid),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.name,
        "issuer": {
            "id": organization_did(organization),
            "type": ["Profile"],
            "name": organization.name,
            "url": settings.BASE_URL + "/",
        },
        "validFrom": _stamp(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": True, "salt": salt, **identity}],
            "achievement": {
                "id": achievement_id(certificate.public_id),
                "type": ["Achievement"],
                "name": certificate.name,
                "description": description,
                "criteria": {"narrative": certificate.criteria.strip() or description},
                "image": {"id": image_url(credential_uuid), "type": "Image"},
            },
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    if certificate.expires_at is not None:
        end = dt.datetime.combine(certificate.expires_at, dt.time(23, 59, 59), tzinfo=dt.UTC)
        document["validUntil"] = _stamp(end)
    return document


def _issue(recipient: Recipient, now: dt.datetime) -> BadgeCredential:
    organization = recipient.certificate.organization
    status_list, index = status_entry_allocate(organization)
    key = issuer_key_current(organization)
    credential_uuid = uuid.uuid4()
    unsigned = _unsigned(recipient, credential_uuid, status_list_url(status_list), index, now)
    document = proof_sign(
        unsigned,
        secret=bytes(key.secret),
        verification_method=key_id(organization, key.number),
        created=now,
        loader=shipped_loader(),
    )
    # Open Badges 3.0's JSON Schema requires `proof` to be an array (VC 2.0 allows either).
    document["proof"] = [document["proof"]]
    return BadgeCredential.objects.create(
        uuid=credential_uuid,
        recipient=recipient,
        status_list=status_list,
        status_index=index,
        signed_json=signed_text(document),
        issued_at=now,
    )


def badge_current(recipient: Recipient) -> BadgeCredential:
    """The recipient's current credential, issued now if it has none yet. A revoked
    credential that was never issued as a badge is not issued any more, and an erased
    one is not handed out at all (RecipientErased)."""
    recipient_erased_refuse(recipient)
    current = BadgeCredential.objects.filter(recipient=recipient, replaced_at__isnull=True).first()
    if current is not None:
        return current
    if recipient.is_revoked:
        raise CredentialRevoked()
    try:
        with transaction.atomic():
            return _issue(recipient, timezone.now())
    except IntegrityError:  # issued at the same moment by another request
        return BadgeCredential.objects.get(recipient=recipient, replaced_at__isnull=True)


def badge_reissue(*, recipient: Recipient, reason: str = "") -> BadgeCredential:
    """A new credential replacing the current one (whose status bit is set from now
    on); records `credential.reissued`. A revoked or erased credential is not reissued
    (an erased one raises RecipientErased)."""
    now = timezone.now()
    with transaction.atomic():
        row = Recipient.objects.select_for_update().get(pk=recipient.pk)
        recipient_erased_refuse(row)
        if row.is_revoked:
            raise CredentialRevoked()
        old = BadgeCredential.objects.filter(recipient=row, replaced_at__isnull=True).first()
        if old is not None:
            BadgeCredential.objects.filter(pk=old.pk).update(replaced_at=now)
        new = _issue(row, now)
        if old is not None:
            BadgeCredential.objects.filter(pk=old.pk).update(replaced_by=new)
        event_record(
            recipient=row,
            detail=CredentialReissued(reason=reason.strip()[:REASON_MAX]),
            at=now,
            channel=Channel.ADMIN,
        )
    return new
