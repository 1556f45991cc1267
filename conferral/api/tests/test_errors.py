from __future__ import annotations

from typing import Any

from django.test import Client

from conferral.certificates.models import Certificate, Recipient


def test_it_answers_bad_json_with_a_located_422(api: Client, certificate: Certificate) -> None:
    for path in (
        "/api/v1/certificates",
        f"/api/v1/certificates/{certificate.public_id}/recipients",
    ):
        response = api.post(path, '{"name": "Ada",', content_type="application/json")
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == ["body"]
        assert "JSON" in error["msg"]
    assert Certificate.objects.count() == 1
    assert not Recipient.objects.exists()


def test_it_answers_a_missing_or_non_object_body_with_a_422(api: Client) -> None:
    missing = api.post("/api/v1/certificates")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body"]
    listed = api.post("/api/v1/certificates", "[1, 2]", content_type="application/json")
    assert listed.status_code == 422
    assert listed.json()["detail"] == [{"loc": ["body"], "msg": "Must be a JSON object."}]


def test_it_gives_every_validation_error_the_same_shape(
    api: Client, certificate: Certificate
) -> None:
    responses = [
        api.get(f"/api/v1/certificates/{certificate.public_id}/recipients?limit=501"),
        api.get(f"/api/v1/certificates/{certificate.public_id}/recipients?limit=ten"),
        api.get(f"/api/v1/certificates/{certificate.public_id}/recipients?offset=-1"),
        api.get("/api/v1/certificates?limit=0"),
        api.post("/api/v1/certificates", {"kind": 3}, content_type="application/json"),
        api.post("/api/v1/certificates", "{", content_type="application/json"),
    ]
    for response in responses:
        assert response.status_code == 422, response.content
        detail = response.json()["detail"]
        assert detail
        for error in detail:
            assert set(error) == {"loc", "msg"}
            assert isinstance(error["loc"], list)
            assert error["loc"]
            assert isinstance(error["msg"], str)
            assert error["msg"]
    assert responses[0].json()["detail"] == [
        {"loc": ["query", "limit"], "msg": "Must be at most 500."}
    ]


def test_it_refuses_a_body_over_the_upload_limit(
    api: Client, certificate: Certificate, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    rows = [{"name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(100)]
    response = api.post(
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        {"recipients": rows},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert isinstance(response.json()["detail"], str)
    assert not Recipient.objects.exists()
