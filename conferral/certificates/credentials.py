"""A credential's life after it is issued: claimed by its recipient, revoked by its
issuer. Both are conditional UPDATEs that change the row once, with their event in the
same transaction; what a recipient can do with a credential (download, share) is
checked here too (`credential_usable`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.event_details import CredentialClaimed
from conferral.certificates.event_details import CredentialRevoked as RevokedDetail
from conferral.certificates.events import event_record
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.services import ServiceError

REVOKE_REASON_MAX = 2000


class CredentialError(Exception):
    """The credential cannot be used this way; the message is for the recipient."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class CredentialRevoked(CredentialError):
    def __init__(self) -> None:
        super().__init__(
            _("This credential has been revoked by its issuer, so it can no longer be used.")
        )


class CredentialNotClaimed(CredentialError):
    def __init__(self) -> None:
        super().__init__(_("Claim your credential first; then you can download and share it."))


def credential_claim(
    *,
    recipient: Recipient,
    channel: Channel | str,
    user_agent: str = "",
    client_address: str = "",
) -> bool:
    """Claim the credential through `channel`. True if this call claimed it; a second
    claim changes nothing and records nothing. A revoked credential cannot be claimed."""
    now = timezone.now()
    channel = Channel(channel)
    with transaction.atomic():
        claimed = Recipient.objects.filter(
            pk=recipient.pk, claimed_at__isnull=True, revoked_at__isnull=True
        ).update(claimed_at=now, claim_channel=channel)
        if claimed:
            event_record(
                recipient=recipient,
                detail=CredentialClaimed(),
                at=now,
                channel=channel,
                user_agent=user_agent,
                client_address=client_address,
            )
    recipient.refresh_from_db(fields=["claimed_at", "claim_channel", "revoked_at", "revoke_reason"])
    if not claimed and recipient.is_revoked:
        raise CredentialRevoked()
    return bool(claimed)


def credential_usable(recipient: Recipient) -> None:
    """Raise unless the credential is claimed and not revoked (read inside the
    caller's transaction, from the database, not from a stale instance)."""
    state = (
        Recipient.objects.filter(pk=recipient.pk)
        .values("claimed_at", "revoked_at")
        .order_by()
        .first()
    )
    if state is None or state["revoked_at"] is not None:
        raise CredentialRevoked()
    if state["claimed_at"] is None:
        raise CredentialNotClaimed()


def recipient_revoke(*, recipient: Recipient, reason: str) -> Recipient:
    """Revoke the credential for good, with a reason its verification page shows. A
    queued email is not sent. Revoking twice changes nothing."""
    reason = reason.strip()[:REVOKE_REASON_MAX]
    if not reason:
        raise ServiceError(_("A reason is required to revoke a credential."))
    now = timezone.now()
    with transaction.atomic():
        updated = Recipient.objects.filter(pk=recipient.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=reason, next_attempt_at=None
        )
        if updated:
            event_record(recipient=recipient, detail=RevokedDetail(reason=reason), at=now)
    recipient.refresh_from_db()
    return recipient
