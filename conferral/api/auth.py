"""Bearer API keys: `Authorization: Bearer <key>`; the key's organization becomes
`request.auth`, and every object the API touches is looked up within it."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_authenticate


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Organization | None:
        return apikey_authenticate(token.strip())


def organization(request: HttpRequest) -> Organization:
    """The organization whose key authenticated this request."""
    org = getattr(request, "auth", None)
    if not isinstance(org, Organization):
        raise TypeError("organization() called on a request that did not authenticate")
    return org
