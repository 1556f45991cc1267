"""GET and PATCH /api/v1/organization: the key's organization and its privacy
settings; a bad value is a 422 naming the field, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization


def patch(api: Client, body: Any) -> Any:
    return api.patch("/api/v1/organization", body, content_type="application/json")


def test_it_reads_the_organization_and_its_privacy_settings(
    api: Client, org: Organization, settings: Settings
) -> None:
    settings.EVENT_RETENTION_DAYS = 395
    response = api.get("/api/v1/organization")
    assert response.status_code == 200
    assert response.json() == {
        "id": org.public_id,
        "name": "Acme Academy",
        "track_opens": True,
        "track_clicks": True,
        "event_retention_days": None,
        "event_retention_days_default": 395,
    }


def test_it_changes_only_the_fields_given(api: Client, org: Organization) -> None:
    body = patch(api, {"track_opens": False, "event_retention_days": 30}).json()
    assert (body["track_opens"], body["track_clicks"], body["event_retention_days"]) == (
        False,
        True,
        30,
    )
    body = patch(api, {"track_clicks": False}).json()
    assert (body["track_opens"], body["track_clicks"], body["event_retention_days"]) == (
        False,
        False,
        30,
    )
    assert patch(api, {"event_retention_days": None}).json()["event_retention_days"] is None
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (False, False, None)


def test_it_makes_the_statistics_say_not_tracked(api: Client, certificate: Any) -> None:
    patch(api, {"track_opens": False})
    body = api.get(f"/api/v1/certificates/{certificate.public_id}/statistics").json()
    assert body["tracking"] == {"opens": False, "clicks": True}
    assert body["opens"] is None
    assert body["clicks"]["human"] == {"count": 0, "percent": 0.0}


@pytest.mark.parametrize(
    ("body", "loc", "msg"),
    [
        ({"event_retention_days": 0}, ["event_retention_days"], "Must be at least 1."),
        ({"event_retention_days": 3651}, ["event_retention_days"], "Must be at most 3650."),
        ({"event_retention_days": "30"}, ["event_retention_days"], "Must be a whole number."),
        ({"event_retention_days": 1.5}, ["event_retention_days"], "Must be a whole number."),
        ({"event_retention_days": True}, ["event_retention_days"], "Must be a whole number."),
        ({"track_opens": None}, ["track_opens"], "Must be true or false."),
        ({"track_clicks": "no"}, ["track_clicks"], "Must be true or false."),
        ({"tracking": False}, ["tracking"], "Unknown field."),
    ],
    ids=str,
)
def test_it_refuses_a_bad_value_naming_the_field_and_changes_nothing(
    api: Client, org: Organization, body: dict[str, Any], loc: list[str], msg: str
) -> None:
    response = patch(api, {"track_clicks": False, **body})
    assert response.status_code == 422, response.content
    assert {"loc": loc, "msg": msg} in response.json()["detail"]
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (True, True, None)


def test_it_needs_an_api_key(client: Client) -> None:
    assert client.get("/api/v1/organization").status_code == 401
    assert patch(client, {"track_opens": False}).status_code == 401


def test_it_documents_the_settings_and_their_range_in_the_schema(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/organization" in document["paths"]
    patch_schema = document["components"]["schemas"]["OrganizationPatch"]["properties"]
    days = patch_schema["event_retention_days"]["anyOf"][0]
    assert (days["minimum"], days["maximum"]) == (1, 3650)
