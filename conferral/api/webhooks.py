"""/api/v1/webhooks: REST-hook subscriptions and the polling trigger (docs/webhooks.md).
A Zapier-like tool subscribes with POST (the answer holds the endpoint's id and, this
once, its signing secret), unsubscribes with DELETE, and a tool that polls reads the
same payloads from GET /poll, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, WithJsonSchema

from conferral.api.auth import organization
from conferral.api.errors import invalid
from conferral.api.responses import ERRORS, WRITE_ERRORS
from conferral.api.schemas import ONE_LINE
from conferral.webhooks.models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH, Endpoint
from conferral.webhooks.payload import WEBHOOK_TYPES
from conferral.webhooks.selectors import endpoint_get_for_org, endpoints_for_org, events_poll
from conferral.webhooks.services import WebhookInvalid, endpoint_create, endpoint_delete

router = Router(tags=["webhooks"])

POLL_LIMIT_DEFAULT = 50
POLL_LIMIT_MAX = 100
TYPES_DOC = ", ".join(WEBHOOK_TYPES)

WebhookType = Annotated[str, WithJsonSchema({"type": "string", "enum": list(WEBHOOK_TYPES)})]


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=URL_MAX_LENGTH, pattern=ONE_LINE)
    event_types: list[WebhookType] = Field(min_length=1, max_length=len(WEBHOOK_TYPES))
    description: str = Field("", max_length=DESCRIPTION_MAX_LENGTH, pattern=ONE_LINE)


class WebhookOut(Schema):
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None

    @staticmethod
    def resolve_id(endpoint: Endpoint) -> str:
        return endpoint.public_id


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret: shown in this answer only.")


class WebhookList(Schema):
    items: list[WebhookOut]
    count: int


class PollOut(Schema):
    items: list[dict[str, Any]] = Field(
        description="Payloads (version 1), newest first, as a push would carry them."
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


@router.post(
    "",
    operation_id="webhook_subscribe",
    summary="Subscribe an endpoint",
    description=f"Register a URL for events of the given types ({TYPES_DOC}). The answer "
    "holds the secret that signs every delivery: it is not shown again.",
    response={201: WebhookCreated, **WRITE_ERRORS},
)
def webhook_subscribe_view(request: HttpRequest, payload: WebhookIn) -> Status[Endpoint]:
    try:
        registered = endpoint_create(organization=organization(request), **payload.model_dump())
    except WebhookInvalid as error:
        raise invalid([([error.field], error.message)]) from error
    return Status(201, registered.endpoint)


@router.get(
    "",
    operation_id="webhook_list",
    summary="List the endpoints",
    response={200: WebhookList, **ERRORS},
)
def webhook_list_view(request: HttpRequest) -> dict[str, Any]:
    endpoints = list(endpoints_for_org(organization(request)))
    return {"items": endpoints, "count": len(endpoints)}


@router.get(
    "/poll",
    operation_id="webhook_poll",
    summary="Poll for events",
    response={200: PollOut, **ERRORS},
)
def webhook_poll_view(
    request: HttpRequest,
    types: Annotated[
        str,
        Query(
            max_length=400,
            description=f"Comma-separated event types; empty: all of {TYPES_DOC}.",
        ),
    ] = "",
    cursor: Annotated[
        str,
        Query(
            pattern=r"^[0-9]{0,18}$",
            description="The `next_cursor` of the previous page; empty: the newest.",
        ),
    ] = "",
    limit: Annotated[
        int, Query(ge=1, le=POLL_LIMIT_MAX, description=f"Page size, at most {POLL_LIMIT_MAX}.")
    ] = POLL_LIMIT_DEFAULT,
) -> dict[str, Any]:
    """The organization's events, newest first, with the payloads a push carries."""
    wanted = [part.strip() for part in types.split(",") if part.strip()]
    unknown = [kind for kind in wanted if kind not in WEBHOOK_TYPES]
    if unknown:
        raise invalid(
            [
                (
                    ["query", "types"],
                    _("Unknown event type %(type)s; the types are %(types)s.")
                    % {"type": unknown[0], "types": TYPES_DOC},
                )
            ]
        )
    page = events_poll(
        organization(request), types=wanted, before=int(cursor) if cursor else None, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.delete(
    "/{webhook_id}",
    operation_id="webhook_unsubscribe",
    summary="Unsubscribe an endpoint",
    response={204: None, **ERRORS},
)
def webhook_unsubscribe_view(request: HttpRequest, webhook_id: str) -> Status[None]:
    endpoint = endpoint_get_for_org(organization(request), webhook_id)
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    endpoint_delete(endpoint=endpoint)
    return Status(204, None)
