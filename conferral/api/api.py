"""The REST API v1 (docs/api.md), mounted at /api/v1/; its OpenAPI document is
/api/v1/openapi.json and its interactive documentation /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from conferral.api import badges, certificates, organization, recipients, webhooks
from conferral.api.auth import ApiKeyAuth
from conferral.api.errors import errors_install
from conferral.api.parser import JsonParser

api = NinjaAPI(
    title="Conferral API",
    version="1",
    description=(
        "Issue certificates and badges, email them, and see what happened to each one. "
        "Authenticate with `Authorization: Bearer <key>` (`conferral apikey create`)."
    ),
    urls_namespace="api",
    auth=ApiKeyAuth(),
    parser=JsonParser(),
    # Swagger UI's assets come from django-ninja's own static files (the "ninja" app);
    # without a validator it also fetches no badge from validator.swagger.io, so the
    # page loads nothing from another host.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors_install(api)
api.add_router("/certificates", certificates.router)
api.add_router("/recipients", recipients.router)
api.add_router("/badges", badges.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/organization", organization.router)
