from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from conferral.accounts.models import ApiKey, Organization
from conferral.accounts.services import apikey_create


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer cfk_not-a-real-key", "Token abc", "Basic dXNlcjpwYXNz"],
)
def test_it_refuses_a_missing_or_wrong_key(client: Client, org: Organization, header: str) -> None:
    headers = {} if header is None else {"Authorization": header}
    for response in (
        client.get("/api/v1/certificates", headers=headers),
        client.post(
            "/api/v1/certificates",
            {"name": "X", "kind": "badge"},
            content_type="application/json",
            headers=headers,
        ),
    ):
        assert response.status_code == 401
        assert isinstance(response.json()["detail"], str)
        assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_a_revoked_key(client: Client, org: Organization) -> None:
    key = apikey_create(organization=org)
    ApiKey.objects.update(revoked_at=timezone.now())
    response = client.get("/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401


def test_it_accepts_a_valid_key(client: Client, org: Organization) -> None:
    key = apikey_create(organization=org)
    response = client.get("/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
