"""A certificate's life as its issuer shapes it: edit, duplicate, archive, publish
without email, and the scheduled send that can be cancelled.

States: `draft` (being prepared) → `scheduled` (its emails go out at a chosen time; the
send can be cancelled, which makes it a draft again) → `published` (emails went out, or
the issuer published it without email and hands out links or tokens). Archiving hides
a certificate from the list and stops new sends; its credentials stay valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.design_services import certificate_design_copy
from conferral.certificates.event_details import EmailCancelled
from conferral.certificates.events import events_insert
from conferral.certificates.models import Certificate, CertificateState, Recipient
from conferral.certificates.services import ServiceError
from conferral.certificates.status import EmailStatus, Step, transition

EDITABLE = (
    "name",
    "kind",
    "description",
    "criteria",
    "issue_date",
    "expires_at",
    "language",
    "email_subject",
    "email_body",
    "reminder_interval_days",
    "reminder_limit",
    "claim_deadline",
    "allow_indexing",
)


def certificate_update(*, certificate: Certificate, **changes: Any) -> Certificate:
    """Change the given fields (any of EDITABLE); validated as a whole, so an expiry
    before the issue date or a blank name is refused (ValidationError) and nothing is
    saved."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    for field, value in changes.items():
        setattr(certificate, field, value)
    certificate.full_clean()
    certificate.save(update_fields=[*changes, "updated_at"])
    return certificate


def certificate_duplicate(*, certificate: Certificate, name: str | None = None) -> Certificate:
    """A new draft with the same texts, email and design (its own copies of the images),
    and no recipients."""
    copy = Certificate(
        organization_id=certificate.organization_id,
        name=(name or _("Copy of %(name)s") % {"name": certificate.name})[:200].strip(),
        **{field: getattr(certificate, field) for field in EDITABLE if field != "name"},
    )
    copy.full_clean()
    with transaction.atomic():
        copy.save()
        certificate_design_copy(source=certificate, target=copy)
    return copy


def certificate_archive(*, certificate: Certificate) -> Certificate:
    """Hide the certificate from the list; its credentials stay valid and verifiable.
    A scheduled send is cancelled first (nothing goes out from an archived certificate)."""
    with transaction.atomic():
        certificate_schedule_cancel(certificate=certificate, missing_ok=True)
        Certificate.objects.filter(pk=certificate.pk, archived_at__isnull=True).update(
            archived_at=timezone.now()
        )
    certificate.refresh_from_db()
    return certificate


def certificate_unarchive(*, certificate: Certificate) -> Certificate:
    Certificate.objects.filter(pk=certificate.pk).update(archived_at=None)
    certificate.refresh_from_db()
    return certificate


def certificate_publish_without_email(*, certificate: Certificate) -> Certificate:
    """Publish without sending any email: the issuer hands out the links or tokens."""
    if certificate.state == CertificateState.SCHEDULED:
        raise ServiceError(
            _("A send is scheduled for this certificate: cancel it first, or let it go out.")
        )
    certificate.state = CertificateState.PUBLISHED
    certificate.save(update_fields=["state", "updated_at"])
    return certificate


def certificate_schedule_cancel(*, certificate: Certificate, missing_ok: bool = False) -> int:
    """Cancel the emails scheduled for a time still to come: those recipients are not
    sent again until the issuer sends, and a certificate that was only scheduled is a
    draft again. Returns how many emails were cancelled."""
    now = timezone.now()
    cancel = transition(Step.CANCEL)
    with transaction.atomic():
        pending = Recipient.objects.filter(
            cancel.sources_q(),
            certificate=certificate,
            next_attempt_at__gt=now,
            lease_owner="",
        )
        pks = list(pending.select_for_update().values_list("pk", flat=True))
        if not pks and not missing_ok and certificate.state != CertificateState.SCHEDULED:
            raise ServiceError(_("No send is scheduled for this certificate."))
        Recipient.objects.filter(pk__in=pks).update(
            email_status=cancel.target, next_attempt_at=None, attempts=0
        )
        events_insert(
            recipient_ids=pks, certificate_id=certificate.pk, detail=EmailCancelled(), at=now
        )
        if certificate.state == CertificateState.SCHEDULED:
            certificate.state = CertificateState.DRAFT
            certificate.save(update_fields=["state", "updated_at"])
    return len(pks)


def certificates_scheduled_publish(*, now: dt.datetime | None = None) -> int:
    """Scheduled certificates whose time has come are published: no recipient of theirs
    is waiting for a time still to come. (The worker's sweeper calls this.)"""
    now = now or timezone.now()
    waiting = Recipient.objects.filter(
        email_status=EmailStatus.SCHEDULED, next_attempt_at__gt=now
    ).values("certificate_id")
    return (
        Certificate.objects.filter(state=CertificateState.SCHEDULED)
        .exclude(pk__in=waiting)
        .update(state=CertificateState.PUBLISHED, updated_at=now)
    )
