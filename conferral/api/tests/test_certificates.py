from __future__ import annotations

from typing import Any

from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate
from conferral.certificates.services import RawRow, certificate_create, recipients_add


def post(api: Client, path: str, body: Any) -> Any:
    return api.post(path, body, content_type="application/json")


def test_it_creates_a_certificate(api: Client, org: Organization) -> None:
    response = post(
        api,
        "/api/v1/certificates",
        {
            "name": "Data Science Bootcamp",
            "kind": "badge",
            "description": "Twelve weeks.",
            "issue_date": "2030-01-31",
            "language": "de",
            "email_subject": "Ihr Abzeichen",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Data Science Bootcamp"
    assert body["kind"] == "badge"
    assert body["state"] == "draft"
    assert body["recipients_count"] == 0
    assert body["issue_date"] == "2030-01-31"
    assert body["language"] == "de"
    assert body["created_at"]
    certificate = Certificate.objects.get(public_id=body["id"])
    assert certificate.organization == org
    assert certificate.email_subject == "Ihr Abzeichen"


def test_it_lists_the_organizations_certificates_newest_first_with_counts(
    api: Client, org: Organization, other_org: Organization
) -> None:
    first = certificate_create(organization=org, name="First")
    second = certificate_create(organization=org, name="Second")
    certificate_create(organization=other_org, name="Not mine")
    recipients_add(certificate=first, rows=[RawRow(0, "Ada", "ada@example.com"), RawRow(1, "Bob")])
    response = api.get("/api/v1/certificates")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["id"] for c in body["items"]] == [second.public_id, first.public_id]
    assert [c["recipients_count"] for c in body["items"]] == [0, 2]
    page = api.get("/api/v1/certificates?limit=1&offset=1").json()
    assert [c["id"] for c in page["items"]] == [first.public_id]
    assert page["count"] == 2


def test_it_reads_one_certificate(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    response = api.get(f"/api/v1/certificates/{certificate.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == certificate.public_id
    assert body["name"] == "Python Fundamentals"
    assert body["kind"] == "certificate"
    assert body["recipients_count"] == 1


def test_it_rejects_a_bad_kind_a_long_name_and_unknown_fields(api: Client) -> None:
    response = post(
        api,
        "/api/v1/certificates",
        {"name": "x" * 500, "kind": "diploma", "colour": "blue", "issue_date": "31.01.2030"},
    )
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert set(errors) == {("name",), ("kind",), ("colour",), ("issue_date",)}
    assert "200" in errors[("name",)]
    assert "certificate" in errors[("kind",)]
    assert "badge" in errors[("kind",)]
    assert not Certificate.objects.exists()


def test_it_requires_a_name_and_a_kind(api: Client) -> None:
    response = post(api, "/api/v1/certificates", {})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("name",), ("kind",)}


def test_it_rejects_a_blank_name(api: Client) -> None:
    response = post(api, "/api/v1/certificates", {"name": "   ", "kind": "badge"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["name"]]
    assert not Certificate.objects.exists()


def test_it_returns_a_name_with_html_as_is(api: Client) -> None:
    name = '<script>alert("x")</script> & Co'
    response = post(api, "/api/v1/certificates", {"name": name, "kind": "certificate"})
    assert response.status_code == 201
    assert response.json()["name"] == name
    assert response["Content-Type"].startswith("application/json")
    fetched = api.get(f"/api/v1/certificates/{response.json()['id']}").json()
    assert fetched["name"] == name


def test_it_refuses_an_expiry_before_the_issue_date(api: Client, org: Organization) -> None:
    response = post(
        api,
        "/api/v1/certificates",
        {"name": "X", "kind": "badge", "issue_date": "2030-05-01", "expires_at": "2030-04-30"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"][-1] == "expires_at"
    assert "before the issue date" in error["msg"]
    assert not Certificate.objects.exists()
