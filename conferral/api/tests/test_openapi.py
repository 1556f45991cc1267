from __future__ import annotations

from django.test import Client
from openapi_spec_validator import validate

EXPECTED = {
    "/api/v1/certificates": {"get", "post"},
    "/api/v1/certificates/{certificate_id}": {"get", "patch"},
    "/api/v1/certificates/{certificate_id}/recipients": {"get", "post"},
    "/api/v1/certificates/{certificate_id}/send": {"post"},
    "/api/v1/certificates/{certificate_id}/statistics": {"get"},
    "/api/v1/recipients/{recipient_id}": {"get", "patch", "delete"},
    "/api/v1/recipients/{recipient_id}/resend": {"post"},
    "/api/v1/recipients/{recipient_id}/revoke": {"post"},
    "/api/v1/recipients/{recipient_id}/erase": {"post"},
    "/api/v1/recipients/{recipient_id}/events": {"get"},
    "/api/v1/webhooks": {"get", "post"},
    "/api/v1/webhooks/poll": {"get"},
    "/api/v1/webhooks/{webhook_id}": {"delete"},
    "/api/v1/badges/recipients/{recipient_id}": {"get"},
    "/api/v1/badges/recipients/{recipient_id}/reissue": {"post"},
    "/api/v1/badges/keys/rotate": {"post"},
    "/api/v1/organization": {"get", "patch"},
}


def test_it_serves_a_valid_openapi_document_listing_every_endpoint(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    paths = {path: set(ops) for path, ops in document["paths"].items()}
    assert paths == EXPECTED
    schemes = document["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), (method, path)
            assert "401" in operation["responses"], (method, path)
