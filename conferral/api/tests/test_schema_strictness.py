"""The OpenAPI document is as strict as the server: what the server refuses, the schema
refuses too (so a client validating against it learns before sending), and the answer
is the usual 422 naming the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from conferral.certificates.models import Certificate, Recipient


def post(api: Client, path: str, body: Any) -> Any:
    return api.post(path, body, content_type="application/json")


def errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    return list(response.json()["detail"])


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    return dict(client.get("/api/v1/openapi.json").json())


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(document["components"]["schemas"][name]["properties"])


def _matches(field: dict[str, Any], text: str) -> bool:
    return re.search(field["pattern"], text) is not None


@pytest.mark.parametrize("field", ["issue_date", "expires_at", "claim_deadline"])
def test_it_refuses_a_number_as_a_date(api: Client, field: str) -> None:
    response = post(api, "/api/v1/certificates", {"name": "A", "kind": "badge", field: 0})
    assert errors(response) == [
        {"loc": [field], "msg": "Must be an ISO 8601 date, such as 2030-01-31."}
    ]
    assert not Certificate.objects.exists()


def test_it_refuses_dates_outside_the_years_1900_to_2999(
    api: Client, document: dict[str, Any]
) -> None:
    for date in ("1899-12-31", "3000-01-01", "0001-01-01"):
        response = post(
            api, "/api/v1/certificates", {"name": "A", "kind": "badge", "issue_date": date}
        )
        assert errors(response) == [
            {
                "loc": ["issue_date"],
                "msg": "Must be a date in the years 1900 to 2999, such as 2030-01-31.",
            }
        ]
    issue_date = _schema(document, "CertificateIn")["issue_date"]["anyOf"][0]
    assert issue_date["format"] == "date"
    assert not _matches(issue_date, "1899-12-31")
    assert _matches(issue_date, "2999-12-31")
    ok = post(
        api, "/api/v1/certificates", {"name": "A", "kind": "badge", "issue_date": "1900-01-01"}
    )
    assert ok.status_code == 201, ok.content


def test_it_refuses_an_expiry_before_the_issue_date(api: Client) -> None:
    body = {"name": "A", "kind": "badge", "issue_date": "2030-01-02", "expires_at": "2030-01-01"}
    assert errors(post(api, "/api/v1/certificates", body)) == [
        {"loc": ["expires_at"], "msg": "The expiry date cannot be before the issue date."}
    ]


def test_it_refuses_a_number_as_a_send_time(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    response = post(api, f"/api/v1/certificates/{certificate.public_id}/send", {"at": 0})
    assert errors(response) == [
        {"loc": ["at"], "msg": "Must be an ISO 8601 date and time, such as 2030-01-31T14:00:00Z."}
    ]


def test_it_refuses_control_characters_in_a_certificate(
    api: Client, document: dict[str, Any]
) -> None:
    body = {
        "name": "Data\x01Science",
        "kind": "badge",
        "description": "Twelve\x07weeks",
        "email_subject": "Your\nbadge",
        "email_body": "Line one\nline two\ttabbed\x1b",
    }
    assert errors(post(api, "/api/v1/certificates", body)) == [
        {
            "loc": ["name"],
            "msg": "Must not be blank, and must be one line without control characters.",
        },
        {
            "loc": ["description"],
            "msg": "Must not contain control characters other than tabs and line breaks.",
        },
        {"loc": ["email_subject"], "msg": "Must be one line without control characters."},
        {
            "loc": ["email_body"],
            "msg": "Must not contain control characters other than tabs and line breaks.",
        },
    ]
    assert not Certificate.objects.exists()
    fields = _schema(document, "CertificateIn")
    assert not _matches(fields["name"], "Data\x01Science")
    assert not _matches(fields["email_subject"], "Your\nbadge")
    assert _matches(fields["email_body"], "Line one\nline two\ttabbed")
    multiline = {"name": "A", "kind": "badge", "description": "Line one\r\nline two\ttabbed"}
    assert post(api, "/api/v1/certificates", multiline).status_code == 201


def test_it_refuses_a_blank_certificate_name(api: Client, document: dict[str, Any]) -> None:
    response = post(api, "/api/v1/certificates", {"name": "   ", "kind": "badge"})
    assert [e["loc"] for e in errors(response)] == [["name"]]
    assert not _matches(_schema(document, "CertificateIn")["name"], "   ")


def test_it_documents_the_recipient_filters_as_the_values_the_server_takes(
    api: Client, certificate: Certificate, document: dict[str, Any]
) -> None:
    path = "/api/v1/certificates/{certificate_id}/recipients"
    parameters = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
    base = f"/api/v1/certificates/{certificate.public_id}/recipients"
    for name in ("status", "email_status"):
        assert "" in parameters[name]["enum"]
        for value in parameters[name]["enum"]:
            assert api.get(base, {name: value}).status_code == 200, (name, value)
        assert api.get(base, {name: "lost"}).status_code == 422


def test_it_documents_a_recipient_name_as_required_text(
    api: Client, certificate: Certificate, document: dict[str, Any]
) -> None:
    for schema in ("RecipientIn", "RecipientPatch"):
        name = _schema(document, schema)["name"]
        assert name["type"] == "string"
        assert not _matches(name, "")
        assert not _matches(name, "Ada\x01")
        assert _matches(name, "Ada\tLovelace")
    response = post(
        api,
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        {"recipients": [{"name": None}]},
    )
    assert errors(response) == [{"loc": ["recipients", 0, "name"], "msg": "A name is required."}]


def test_it_refuses_a_null_name_in_a_recipient_patch(api: Client, add_recipients: Any) -> None:
    (ada,) = add_recipients(("Ada", "ada@example.com"))
    response = api.patch(
        f"/api/v1/recipients/{ada.public_id}", {"name": None}, content_type="application/json"
    )
    assert [e["loc"] for e in errors(response)] == [["name"]]
    assert Recipient.objects.get(pk=ada.pk).name == "Ada"


def test_it_refuses_an_empty_or_control_character_revoke_reason(
    api: Client, add_recipients: Any, document: dict[str, Any]
) -> None:
    (ada,) = add_recipients(("Ada", "ada@example.com"))
    path = f"/api/v1/recipients/{ada.public_id}/revoke"
    assert errors(post(api, path, {"reason": ""})) == [
        {"loc": ["reason"], "msg": "Must not be empty."}
    ]
    assert [e["loc"] for e in errors(post(api, path, {"reason": "  "}))] == [["reason"]]
    assert [e["loc"] for e in errors(post(api, path, {"reason": "Fraud\x07"}))] == [["reason"]]
    assert Recipient.objects.get(pk=ada.pk).revoked_at is None
    reason = _schema(document, "RevokeIn")["reason"]
    assert reason["minLength"] == 1
    assert not _matches(reason, "  ")
    revoked = post(api, path, {"reason": "Issued by mistake.\nSee ticket 12."})
    assert revoked.status_code == 200, revoked.content
