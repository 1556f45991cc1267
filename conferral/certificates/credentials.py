"""A credential's life after it is issued: claimed by its recipient, revoked by its
issuer. Both are conditional UPDATEs that change the row once, with their event in the
same transaction; what a recipient can do with a credential (download, share) is
checked here too (`credential_usable`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.event_details import CredentialClaimed, CredentialReissued
from conferral.certificates.event_details import CredentialRevoked as RevokedDetail
from conferral.certificates.events import event_record, events_insert
from conferral.certificates.models import Channel, Recipient, ReplacedToken
from conferral.certificates.services import ServiceError
from conferral.core.ids import new_token

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
    claim changes nothing and records nothing. A revoked credential cannot be claimed.
    A claim ends the reminders (conferral.delivery.reminders)."""
    now = timezone.now()
    channel = Channel(channel)
    with transaction.atomic():
        claimed = Recipient.objects.filter(
            pk=recipient.pk, claimed_at__isnull=True, revoked_at__isnull=True
        ).update(claimed_at=now, claim_channel=channel, reminder_due_at=None)
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


def credential_usable(recipient: Recipient, *, claimed: bool = True) -> None:
    """Raise unless the credential is not revoked and, when `claimed`, claimed (read
    inside the caller's transaction, from the database, not from a stale instance).
    The issuer's own download from the dashboard asks `claimed=False`."""
    state = (
        Recipient.objects.filter(pk=recipient.pk)
        .values("claimed_at", "revoked_at")
        .order_by()
        .first()
    )
    if state is None or state["revoked_at"] is not None:
        raise CredentialRevoked()
    if claimed and state["claimed_at"] is None:
        raise CredentialNotClaimed()


def recipient_revoke(*, recipient: Recipient, reason: str) -> Recipient:
    """Revoke the credential for good, with a reason its verification page shows. A
    queued email is not sent. Revoking twice changes nothing."""
    recipients_revoke(
        recipient_ids=[recipient.pk], certificate_id=recipient.certificate_id, reason=reason
    )
    recipient.refresh_from_db()
    return recipient


REVOKE_CHUNK = 1000
TOKEN_ATTEMPTS = 5


def recipients_revoke(*, recipient_ids: Sequence[int], certificate_id: int, reason: str) -> int:
    """Revoke many credentials of one certificate at once (the dashboard's bulk action),
    with one reason; returns how many were revoked. Like `recipient_revoke`: a queued
    email is not sent, and a credential already revoked is left as it is."""
    reason = reason.strip()[:REVOKE_REASON_MAX]
    if not reason:
        raise ServiceError(_("A reason is required to revoke a credential."))
    now = timezone.now()
    revoked = 0
    with transaction.atomic():
        for start in range(0, len(recipient_ids), REVOKE_CHUNK):
            part = recipient_ids[start : start + REVOKE_CHUNK]
            rows = Recipient.objects.filter(
                pk__in=part, certificate_id=certificate_id, revoked_at__isnull=True
            )
            pks = list(rows.select_for_update().values_list("pk", flat=True).order_by("pk"))
            Recipient.objects.filter(pk__in=pks, revoked_at__isnull=True).update(
                revoked_at=now, revoke_reason=reason, next_attempt_at=None
            )
            events_insert(
                recipient_ids=pks,
                certificate_id=certificate_id,
                detail=RevokedDetail(reason=reason),
                at=now,
            )
            revoked += len(pks)
    return revoked


def recipient_token_regenerate(*, recipient: Recipient, reason: str = "") -> Recipient:
    """Give the recipient a new token (and so a new link), for a link that was handed
    to the wrong person or leaked. The old token is kept in ReplacedToken, so its link
    says it was replaced instead of a bare "not found"; the claim, the statuses and the
    credential id (the verification page) stay. Records `credential.reissued`."""
    now = timezone.now()
    for attempt in range(TOKEN_ATTEMPTS):
        try:
            with transaction.atomic():
                row = Recipient.objects.select_for_update().get(pk=recipient.pk)
                old = row.token
                token = new_token()
                ReplacedToken.objects.create(token=old, recipient=row, replaced_at=now)
                Recipient.objects.filter(pk=row.pk, token=old).update(token=token)
                event_record(
                    recipient=row,
                    detail=CredentialReissued(reason=reason.strip()[:REVOKE_REASON_MAX]),
                    at=now,
                    channel=Channel.ADMIN,
                )
            break
        except IntegrityError:  # a new token that is taken (80 random bits: never, really)
            if attempt == TOKEN_ATTEMPTS - 1:
                raise
    recipient.refresh_from_db()
    return recipient
