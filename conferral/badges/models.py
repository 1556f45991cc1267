"""What an Open Badges credential needs beyond the recipient row: the organization's
signing keys, the status lists whose bits say "revoked", and the credential documents
as issued (signed once, served as they were signed)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient

STATUS_LIST_SIZE = 131_072  # 16 KiB of bits: the Bitstring Status List minimum


class IssuerKey(models.Model):
    """One Ed25519 key of an organization. The newest one signs; older ones stay in
    the DID document so the credentials they signed keep verifying after a rotation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="issuer_keys"
    )
    number = models.PositiveIntegerField()  # the `#key-N` fragment of the DID URL
    secret = models.BinaryField()  # the 32-byte seed
    public = models.BinaryField()  # the 32-byte public key
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="issuer_key_number")
        ]

    def __str__(self) -> str:
        return f"key-{self.number}"


class StatusList(models.Model):
    """One revocation list of STATUS_LIST_SIZE entries of an organization; a new one is
    opened when the last is full. Its bits are not stored: a bit is set when the
    credential at that index is revoked or replaced (conferral.badges.status_list)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="status_lists"
    )
    number = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField(default=0)  # entries handed out so far
    # The last signed list credential, and the digest of the bits it carries: served
    # again while no bit changed, signed anew once one did.
    signed_json = models.TextField(blank=True)
    signed_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="status_list_number")
        ]

    def __str__(self) -> str:
        return f"status list {self.number}"


class BadgeCredential(models.Model):
    """An OpenBadgeCredential as issued for a recipient. A reissue writes a new one
    (a new id, a new status entry) and points the old one at it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="badge_credentials"
    )
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField()
    # The signed credential as JSON text, kept as text so it is served byte for byte as
    # signed (PostgreSQL's jsonb would reorder its keys).
    signed_json = models.TextField()
    issued_at = models.DateTimeField()
    replaced_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="badge_status_entry"
            ),
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(replaced_at__isnull=True),
                name="badge_one_current",
            ),
        ]

    def __str__(self) -> str:
        return str(self.uuid)

    @cached_property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.signed_json)
        return parsed
