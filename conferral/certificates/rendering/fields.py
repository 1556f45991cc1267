"""The values a design shows, in the certificate's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from conferral.certificates.links import verify_url
from conferral.certificates.models import Kind, Recipient


def _date(value: dt.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def credential_fields(recipient: Recipient) -> dict[str, Any]:
    """Everything the typst design reads from `sys.inputs.data`: plain strings only,
    never markup."""
    certificate = recipient.certificate
    with translation.override(certificate.language):
        is_badge = certificate.kind == Kind.BADGE
        labels = {
            "title": _("Badge") if is_badge else _("Certificate"),
            "awarded_to": _("This is awarded to"),
            "for_completing": _("for successfully completing"),
            "issued": _("Issued on"),
            "expires": _("Valid until"),
            "credential_id": _("Credential ID"),
            "scan_to_verify": _("Scan to verify"),
        }
        return {
            "kind": certificate.kind,
            "lang": certificate.language,
            "title": f"{certificate.name} - {recipient.name}",
            "name": recipient.name,
            "certificate": certificate.name,
            "description": certificate.description,
            "organization": certificate.organization.name,
            "issue_date": _date(certificate.issue_date or _created_on(recipient)),
            "expires": _date(certificate.expires_at),
            "credential_id": recipient.credential_id,
            "verify_url": verify_url(recipient),
            "labels": labels,
            "attributes": {
                str(key): "" if value is None else str(value)
                for key, value in (recipient.attributes or {}).items()
            },
        }


def _created_on(recipient: Recipient) -> dt.date:
    """The day the recipient was added (today for a preview's sample, not yet saved)."""
    if recipient.created_at is None:
        return timezone.localdate()
    return timezone.localdate(recipient.created_at)
