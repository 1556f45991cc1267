"""Bearer API keys: `Authorization: Bearer <key>`; the key's organization becomes
`request.auth`, and every object the API touches is looked up within it.

Calls are limited per key, and calls with a wrong key per client address (checked
before the key is looked up): over a limit, the API answers 429 (conferral.api.errors)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_authenticate
from conferral.core.throttle import (
    Throttled,
    limit_of,
    throttle_address,
    throttle_check,
    throttle_hit,
)


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Organization | None:
        address = throttle_address(request)
        failures = limit_of("api_auth_address")
        refused = throttle_check(failures, address)
        if not refused.allowed:
            raise Throttled(refused)
        key = token.strip()
        org = apikey_authenticate(key)
        if org is None:
            throttle_hit(failures, address)
            return None
        decision = throttle_hit(limit_of("api_key"), key)
        if not decision.allowed:
            raise Throttled(decision)
        return org


def organization(request: HttpRequest) -> Organization:
    """The organization whose key authenticated this request."""
    org = getattr(request, "auth", None)
    if not isinstance(org, Organization):
        raise TypeError("organization() called on a request that did not authenticate")
    return org
