"""/api/v1/organization: the API key's organization and its privacy settings (whether
emails track opens and clicks, how long events are kept), read and changed through
conferral.accounts.privacy, the one writer."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict, WithJsonSchema

from conferral.accounts.models import Organization
from conferral.accounts.privacy import (
    RETENTION_DAYS_MAX,
    RETENTION_DAYS_MIN,
    PrivacySettings,
    organization_privacy_update,
    privacy_settings_of,
    retention_days_default,
)
from conferral.accounts.services import API_KEY_PREFIX
from conferral.api.auth import organization
from conferral.api.errors import invalid
from conferral.api.responses import ERRORS, WRITE_ERRORS

router = Router(tags=["organization"])

RetentionDays = Annotated[int, Field(strict=True, ge=RETENTION_DAYS_MIN, le=RETENTION_DAYS_MAX)]
Switch = Annotated[
    bool | None, WithJsonSchema({"type": "boolean", "description": "Absent: unchanged."})
]


class OrganizationOut(Schema):
    id: str
    name: str
    track_opens: bool = Field(
        description="Whether emails carry a tracking image; off, the statistics give null "
        "for opens."
    )
    track_clicks: bool = Field(
        description="Whether email links go through the tracker; off, they lead straight "
        "to the recipient's page and the statistics give null for clicks."
    )
    event_retention_days: int | None = Field(
        description="Events older than this many days are deleted; null: "
        "`event_retention_days_default`."
    )
    event_retention_days_default: int = Field(
        description="This installation's retention in days (0: events are kept forever)."
    )

    @staticmethod
    def resolve_id(obj: Organization) -> str:
        return obj.public_id

    @staticmethod
    def resolve_event_retention_days_default(obj: Organization) -> int:
        return retention_days_default()


class OrganizationPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    # Absent means unchanged, so the model takes None; the schema says true or false,
    # and the view refuses a null.
    track_opens: Switch = Field(None, strict=True)
    track_clicks: Switch = Field(None, strict=True)
    event_retention_days: RetentionDays | None = Field(
        None,
        description=f"{RETENTION_DAYS_MIN} to {RETENTION_DAYS_MAX} days, or null for the "
        "installation's default. Absent: unchanged.",
    )


def _key_prefix(request: HttpRequest) -> str:
    """The calling key's prefix (stored beside its digest, not secret), for the log."""
    key = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return key[: len(API_KEY_PREFIX) + 6]


@router.get(
    "",
    operation_id="organization_get",
    summary="Read the organization",
    response={200: OrganizationOut, **ERRORS},
)
def organization_get_view(request: HttpRequest) -> Organization:
    return organization(request)


@router.patch(
    "",
    operation_id="organization_update",
    summary="Change the privacy settings",
    response={200: OrganizationOut, **WRITE_ERRORS},
)
def organization_update_view(request: HttpRequest, payload: OrganizationPatch) -> Organization:
    """Change the fields present; the others stay. `event_retention_days` outside 1 to
    3650 is a 422 at `["event_retention_days"]` and nothing changes."""
    org = organization(request)
    given = payload.model_fields_set
    switches = ("track_opens", "track_clicks")
    nulls = [name for name in switches if name in given and getattr(payload, name) is None]
    if nulls:
        raise invalid(([name], _("Must be true or false.")) for name in nulls)
    current = privacy_settings_of(org)
    values = PrivacySettings(
        track_opens=current.track_opens if payload.track_opens is None else payload.track_opens,
        track_clicks=current.track_clicks if payload.track_clicks is None else payload.track_clicks,
        event_retention_days=payload.event_retention_days
        if "event_retention_days" in given
        else current.event_retention_days,
    )
    return organization_privacy_update(
        organization=org, values=values, by=f"API key {_key_prefix(request)}"
    )
