"""Public reads: a recipient by the token in a link or typed by hand, a credential by
its verification id, and whether a credential is valid, expired or revoked."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferral.certificates.models import Recipient, ReplacedToken
from conferral.core.ids import looks_like_public_id, normalize_token


class CredentialState(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


def _public() -> models.QuerySet[Recipient]:
    return Recipient.objects.select_related("certificate", "certificate__organization")


def recipient_get_by_token(raw: str) -> Recipient | None:
    """The recipient whose token this is, however it was typed (case, spaces, dashes,
    I/L/O for 1/1/0), or None. Says nothing about tokens that are almost right."""
    token = normalize_token(raw or "")
    if token is None:
        return None
    return _public().filter(token=token).first()


def replaced_token_get(raw: str) -> ReplacedToken | None:
    """The replacement record of a token that was regenerated (with its recipient and
    certificate), or None."""
    token = normalize_token(raw or "")
    if token is None:
        return None
    return (
        ReplacedToken.objects.select_related("recipient__certificate__organization")
        .filter(token=token)
        .first()
    )


def recipient_get_by_credential_id(credential_id: str) -> Recipient | None:
    if not looks_like_public_id(credential_id):
        return None
    return _public().filter(credential_id=credential_id).first()


def credential_state(recipient: Recipient, today: dt.date | None = None) -> CredentialState:
    """Revoked wins; a credential is valid through its expiry date."""
    if recipient.revoked_at is not None:
        return CredentialState.REVOKED
    expires = recipient.certificate.expires_at
    if expires is not None and (today or timezone.localdate()) > expires:
        return CredentialState.EXPIRED
    return CredentialState.VALID
