"""/api/v1/certificates: create, list and read certificates; add, list and send to
their recipients; read their statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Status
from pydantic import WithJsonSchema

from conferral.api import schemas
from conferral.api.auth import organization
from conferral.api.errors import invalid
from conferral.api.responses import DEFAULT_LIMIT, ERRORS, WRITE_ERRORS, Limit, Offset
from conferral.certificates.editing import EDITABLE, certificate_update
from conferral.certificates.models import Certificate
from conferral.certificates.selectors import (
    certificate_get_for_org,
    certificates_for_org,
    recipients_counted,
    recipients_filter,
    recipients_page,
)
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    certificate_create,
    recipients_add,
)
from conferral.certificates.status import EmailStatus
from conferral.certificates.status import Status as RecipientStatus
from conferral.delivery.models import SuppressionReason
from conferral.delivery.reminders import reminder_settings_check
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics

router = Router(tags=["certificates"])

STATUS_DOC = ", ".join(RecipientStatus.values)
EMAIL_STATUS_DOC = ", ".join(EmailStatus.values)


@router.post(
    "",
    operation_id="certificate_create",
    summary="Create a certificate",
    response={201: schemas.CertificateOut, **WRITE_ERRORS},
)
def certificate_create_view(
    request: HttpRequest, payload: schemas.CertificateIn
) -> Status[Certificate]:
    """Create a certificate (state `draft`). Reminders are off unless
    `reminder_interval_days` is given (1 to 365); `reminder_limit` is 1 to 10; a
    `claim_deadline` cannot be before the issue date."""
    fields = payload.model_dump()
    reminder_settings_check(
        interval_days=fields["reminder_interval_days"],
        limit=fields["reminder_limit"],
        claim_deadline=fields["claim_deadline"],
        issue_date=fields["issue_date"] or timezone.localdate(),
    )
    return Status(201, certificate_create(organization=organization(request), **fields))


@router.get(
    "",
    operation_id="certificate_list",
    summary="List certificates",
    response={200: schemas.CertificateList, **ERRORS},
)
def certificate_list_view(
    request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict[str, Any]:
    """The organization's certificates, newest first."""
    certificates = certificates_for_org(organization(request))
    return {"items": list(certificates[offset : offset + limit]), "count": certificates.count()}


@router.get(
    "/{certificate_id}",
    operation_id="certificate_get",
    summary="Read a certificate",
    response={200: schemas.CertificateOut, **ERRORS},
)
def certificate_get_view(request: HttpRequest, certificate_id: str) -> Certificate:
    return certificate_get_for_org(organization(request), certificate_id)


@router.patch(
    "/{certificate_id}",
    operation_id="certificate_update",
    summary="Edit a certificate",
    response={200: schemas.CertificateOut, **WRITE_ERRORS},
)
def certificate_update_view(
    request: HttpRequest, certificate_id: str, payload: schemas.CertificatePatch
) -> Certificate:
    """Change the fields present (e.g. `{"allow_indexing": true}`), by the rules of
    creating one: the reminder settings and dates are checked with the others."""
    certificate = certificate_get_for_org(organization(request), certificate_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [f for f, v in changes.items() if v is None and not Certificate._meta.get_field(f).null]
    if nulls:
        raise invalid(([field], _("Must not be null.")) for field in nulls)
    merged = {field: getattr(certificate, field) for field in EDITABLE} | changes
    if merged["reminder_limit"] is not None:
        reminder_settings_check(
            interval_days=merged["reminder_interval_days"],
            limit=merged["reminder_limit"],
            claim_deadline=merged["claim_deadline"],
            issue_date=merged["issue_date"],
        )
    return certificate_update(certificate=certificate, **changes)


@router.post(
    "/{certificate_id}/recipients",
    operation_id="recipients_add",
    summary="Add recipients",
    response={201: schemas.RecipientsAdded, **WRITE_ERRORS},
)
def recipients_add_view(
    request: HttpRequest, certificate_id: str, payload: schemas.RecipientsIn
) -> Status[dict[str, Any]]:
    """Add recipients, all or nothing: if any row is bad, the 422 names every bad row as
    `["recipients", index, field]` (index from 0) and no recipient is added."""
    certificate = certificate_get_for_org(organization(request), certificate_id)
    rows = (
        RawRow(index, row.name, row.email, row.attributes)
        for index, row in enumerate(payload.recipients)
    )
    result = recipients_add(certificate=certificate, rows=rows)
    return Status(201, {"items": result.recipients, "count": result.count})


@router.get(
    "/{certificate_id}/recipients",
    operation_id="recipients_list",
    summary="List and search recipients",
    response={200: schemas.RecipientList, **ERRORS},
)
def recipients_list_view(
    request: HttpRequest,
    certificate_id: str,
    q: Annotated[str, Query(max_length=200, description="Search in name, email, token.")] = "",
    status: Annotated[
        str,
        Query(description=f"Certificate status: {STATUS_DOC}; empty: any."),
        WithJsonSchema({"type": "string", "enum": ["", *RecipientStatus.values]}),
    ] = "",
    email_status: Annotated[
        str,
        Query(description=f"Email status: {EMAIL_STATUS_DOC}; empty: any."),
        WithJsonSchema({"type": "string", "enum": ["", *EmailStatus.values]}),
    ] = "",
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The certificate's recipients with both statuses, oldest first, `limit` at a time;
    `count` is the number matching the filters. An unknown status is a 422."""
    certificate = certificate_get_for_org(organization(request), certificate_id)
    recipients = recipients_filter(
        certificate=certificate, q=q, status=status, email_status=email_status
    )
    searched = bool(q.strip())
    count = (
        None
        if searched
        else recipients_counted(certificate, status=status, email_status=email_status)
    )
    page = recipients_page(recipients, offset=offset, limit=limit, searched=searched, count=count)
    return {"items": page.items, "count": page.count}


@router.post(
    "/{certificate_id}/send",
    operation_id="certificate_send",
    summary="Send the emails",
    response={202: schemas.SendOut, **WRITE_ERRORS},
)
def certificate_send_view(
    request: HttpRequest,
    certificate_id: str,
    payload: Annotated[schemas.SendIn | None, Body()] = None,
) -> Status[dict[str, Any]]:
    """Send the emails now or at `at`: to `recipient_ids`, or by default to every
    recipient not sent yet who has an address. An unknown, address-less or revoked id
    is a 422 at `["recipient_ids", index]` and nothing is queued; a 409 says why
    nothing can be sent (e.g. everyone was already sent the email). `skipped` counts,
    by reason, the recipients left out because their address is suppressed."""
    certificate = certificate_get_for_org(organization(request), certificate_id)
    recipient_ids = payload.recipient_ids if payload else None
    at = payload.at if payload else None
    if at is not None:
        if timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
        try:
            at = at.astimezone(dt.UTC)
        except OverflowError as exc:  # e.g. 9999-12-31T23:00:00-14:00
            raise invalid(
                [(["at"], _("Must be a time between the years 1 and 9999 in UTC."))]
            ) from exc
    try:
        result = certificate_send(certificate=certificate, recipient_ids=recipient_ids, at=at)
    except RecipientsInvalid as exc:
        raise invalid(([e.field, e.row], e.msg) for e in exc.errors) from exc
    skipped = {reason: result.skipped.get(reason, 0) for reason in SuppressionReason.values}
    return Status(202, {"queued": result.queued, "skipped": skipped})


@router.get(
    "/{certificate_id}/statistics",
    operation_id="certificate_statistics",
    summary="Read the statistics",
    response={200: schemas.StatisticsOut, **ERRORS},
)
def certificate_statistics_view(request: HttpRequest, certificate_id: str) -> dict[str, Any]:
    """Claimed, shared or downloaded, added to LinkedIn (count and percent of all
    recipients), tracked social shares, email statistics and machine-made opens; opens
    and clicks by people, by machines and all (`null` when the organization does not
    track them, see `tracking`)."""
    certificate = certificate_get_for_org(organization(request), certificate_id)
    return certificate_statistics(certificate)
