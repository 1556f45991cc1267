"""/api/v1/badges: a recipient's Open Badges 3.0 credential (issued on first request,
then always the same signed document), its reissue under a new id, and the rotation of
the organization's signing key (docs/open-badges.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from conferral.api.auth import organization
from conferral.api.responses import ERRORS, WRITE_ERRORS
from conferral.api.schemas import FREE_TEXT, MAX_REASON_LENGTH
from conferral.badges.did import key_id
from conferral.badges.issuing import badge_current, badge_reissue, image_url
from conferral.badges.keys import issuer_key_rotate
from conferral.badges.models import BadgeCredential
from conferral.certificates.credentials import CredentialRevoked
from conferral.certificates.selectors import recipient_get_for_org
from conferral.certificates.services import ServiceError

router = Router(tags=["badges"])


class BadgeOut(Schema):
    id: str = Field(description="The credential's id: the URL it is served at.")
    replaces: str | None = Field(description="The id of the credential it replaced.")
    png_url: str = Field(description="The badge image with the credential baked in.")
    svg_url: str
    credential: dict[str, Any] = Field(description="The signed OpenBadgeCredential.")


class ReissueIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=MAX_REASON_LENGTH, pattern=FREE_TEXT)


class KeyOut(Schema):
    verification_method: str = Field(description="The DID URL of the key that signs now.")


def _out(badge: BadgeCredential) -> dict[str, Any]:
    replaced = BadgeCredential.objects.filter(replaced_by=badge).first()
    png = image_url(badge.uuid)
    return {
        "id": badge.document["id"],
        "replaces": None if replaced is None else replaced.document["id"],
        "png_url": png,
        "svg_url": png.removesuffix(".png") + ".svg",
        "credential": badge.document,
    }


@router.get(
    "/recipients/{recipient_id}",
    operation_id="badge_get",
    summary="Read the recipient's Open Badge",
    response={200: BadgeOut, **WRITE_ERRORS},
)
def badge_get_view(request: HttpRequest, recipient_id: str) -> dict[str, Any]:
    """The current credential, issued now if it was never asked for; a 409 for a
    revoked credential that was never issued as a badge."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    try:
        return _out(badge_current(recipient))
    except CredentialRevoked as exc:
        raise ServiceError(exc.message) from exc


@router.post(
    "/recipients/{recipient_id}/reissue",
    operation_id="badge_reissue",
    summary="Reissue the recipient's Open Badge",
    response={200: BadgeOut, **WRITE_ERRORS},
)
def badge_reissue_view(
    request: HttpRequest, recipient_id: str, payload: ReissueIn
) -> dict[str, Any]:
    """Sign a new credential with the certificate's current data, under a new id; the
    old one is marked replaced and its status bit set. A 409 for a revoked one."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    try:
        return _out(badge_reissue(recipient=recipient, reason=payload.reason))
    except CredentialRevoked as exc:
        raise ServiceError(exc.message) from exc


@router.post(
    "/keys/rotate",
    operation_id="badge_key_rotate",
    summary="Rotate the signing key",
    response={200: KeyOut, **ERRORS},
)
def badge_key_rotate_view(request: HttpRequest) -> dict[str, str]:
    """A new Ed25519 key signs from now on; the older ones stay in the DID document,
    so what they signed keeps verifying."""
    org = organization(request)
    key = issuer_key_rotate(org)
    return {"verification_method": key_id(org, key.number)}
