"""Template tags the recipient pages include: the Open Graph and Twitter card tags of a
credential's public page, and the Open Badge downloads. Each issues the badge on first
use (conferral.badges.issuing.badge_current). The files are public once the credential
is claimed, as its downloads are: before that, and once revoked, there are none."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from conferral.badges.issuing import badge_current, credential_url, image_url
from conferral.badges.models import BadgeCredential
from conferral.certificates.credentials import CredentialRevoked
from conferral.certificates.links import verify_url
from conferral.certificates.models import Recipient

register = template.Library()


def _shown(recipient: Recipient) -> BadgeCredential | None:
    if not recipient.is_claimed or recipient.is_revoked:
        return None
    try:
        return badge_current(recipient)
    except CredentialRevoked:  # revoked since the page loaded the recipient
        return None


@register.inclusion_tag("badges/_meta.html")
def badge_meta(recipient: Recipient) -> dict[str, Any]:
    certificate = recipient.certificate
    badge = _shown(recipient)
    image = "" if badge is None else image_url(badge.uuid)
    return {
        "title": f"{certificate.name} · {recipient.name}",
        "description": certificate.description.strip()
        or _("%(name)s, issued by %(issuer)s")
        % {"name": certificate.name, "issuer": certificate.organization.name},
        "page_url": verify_url(recipient),
        "image": image,
    }


@register.inclusion_tag("badges/_downloads.html")
def badge_downloads(recipient: Recipient) -> dict[str, Any]:
    badge = _shown(recipient)
    if badge is None:
        return {}
    return {
        "credential_url": credential_url(badge.uuid),
        "png_url": image_url(badge.uuid),
        "svg_url": image_url(badge.uuid).removesuffix(".png") + ".svg",
    }
