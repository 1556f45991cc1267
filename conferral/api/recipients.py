"""/api/v1/recipients/{id}: read, edit, delete, resend, revoke or erase one recipient,
and read its event timeline in plain words."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from conferral.api import schemas
from conferral.api.auth import organization
from conferral.api.errors import fields_invalid, invalid
from conferral.api.responses import ERRORS, MAX_LIMIT, WRITE_ERRORS, Limit, Offset
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.erasure import recipient_erase, recipient_erased_refuse
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.selectors import recipient_get_for_org
from conferral.certificates.services import (
    RecipientsInvalid,
    ServiceError,
    recipient_delete,
    recipient_update,
)
from conferral.delivery.advice import recipient_explain_full
from conferral.delivery.services import recipient_resend
from conferral.tracking.selectors import recipient_events

router = Router(tags=["recipients"])


@router.get(
    "/{recipient_id}",
    operation_id="recipient_get",
    summary="Read a recipient",
    response={200: schemas.RecipientOut, **ERRORS},
)
def recipient_get_view(request: HttpRequest, recipient_id: str) -> Recipient:
    return recipient_get_for_org(organization(request), recipient_id)


@router.patch(
    "/{recipient_id}",
    operation_id="recipient_update",
    summary="Edit a recipient",
    response={200: schemas.RecipientOut, **WRITE_ERRORS},
)
def recipient_update_view(
    request: HttpRequest, recipient_id: str, payload: schemas.RecipientPatch
) -> Recipient:
    """Change the fields present. A new address on a bounced or address-less recipient
    makes it sendable again; `"email": null` or `""` removes the address."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    recipient_erased_refuse(recipient)
    given = payload.model_fields_set
    try:
        return recipient_update(
            recipient=recipient,
            name=(payload.name or "") if "name" in given else None,
            email=(payload.email or "") if "email" in given else None,
            attributes=(payload.attributes or {}) if "attributes" in given else None,
        )
    except RecipientsInvalid as exc:
        raise fields_invalid(exc.errors) from exc


@router.delete(
    "/{recipient_id}",
    operation_id="recipient_delete",
    summary="Delete a recipient",
    response={204: None, **ERRORS},
)
def recipient_delete_view(request: HttpRequest, recipient_id: str) -> Status[None]:
    recipient_delete(recipient=recipient_get_for_org(organization(request), recipient_id))
    return Status(204, None)


@router.post(
    "/{recipient_id}/resend",
    operation_id="recipient_resend",
    summary="Resend the email",
    response={202: schemas.Queued, **WRITE_ERRORS},
)
def recipient_resend_view(
    request: HttpRequest,
    recipient_id: str,
    override_suppression: Annotated[
        bool,
        Query(
            description="Send even though the address is on the suppression list (it "
            "hard-bounced or complained before): lifts the entry."
        ),
    ] = False,
) -> Status[dict[str, int]]:
    """Send the email again (a nudge). A 409 says why it cannot be sent, a suppressed
    address included (`override_suppression=true` lifts the entry and sends)."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    recipient_erased_refuse(recipient)
    recipient_resend(recipient=recipient, override_suppression=override_suppression)
    return Status(202, {"queued": 1})


@router.post(
    "/{recipient_id}/revoke",
    operation_id="recipient_revoke",
    summary="Revoke the credential",
    response={200: schemas.RecipientOut, **WRITE_ERRORS},
)
def recipient_revoke_view(
    request: HttpRequest, recipient_id: str, payload: schemas.RevokeIn
) -> Recipient:
    """Revoke the credential: its verification page says so from now on."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    recipient_erased_refuse(recipient)
    try:
        return recipient_revoke(recipient=recipient, reason=payload.reason)
    except ServiceError as exc:
        raise invalid([(["reason"], str(exc))]) from exc


@router.post(
    "/{recipient_id}/erase",
    operation_id="recipient_erase",
    summary="Erase the recipient",
    response={200: schemas.RecipientOut, **WRITE_ERRORS},
)
def recipient_erase_view(request: HttpRequest, recipient_id: str) -> Recipient:
    """Erase the recipient's personal data for good (docs/privacy.md): name, email and
    attributes are emptied, its events anonymised, its links and verification page
    answer 410 and its badge is marked revoked; the statuses stay for the statistics.
    Answers the erased recipient; a second call is a 409 that says when it was erased."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    return recipient_erase(recipient=recipient, channel=Channel.API)


@router.get(
    "/{recipient_id}/events",
    operation_id="recipient_events",
    summary="Read the recipient's timeline",
    response={200: schemas.EventList, **ERRORS},
)
def recipient_events_view(
    request: HttpRequest, recipient_id: str, limit: Limit = MAX_LIMIT, offset: Offset = 0
) -> dict[str, Any]:
    """The recipient's timeline, oldest first: each event with one plain sentence, and a
    summary of why its two statuses are what they are."""
    recipient = recipient_get_for_org(organization(request), recipient_id)
    events = recipient_events(recipient)
    return {
        "summary": recipient_explain_full(recipient).text,
        "items": list(events[offset : offset + limit]),
        "count": events.count(),
    }
