"""Another organization's certificates and recipients, and ids that do not exist, are
404 on every endpoint, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Event, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add

CERTIFICATE_ENDPOINTS = [
    ("get", "/api/v1/certificates/{id}", None),
    ("post", "/api/v1/certificates/{id}/recipients", {"recipients": [{"name": "Eve"}]}),
    ("get", "/api/v1/certificates/{id}/recipients", None),
    ("post", "/api/v1/certificates/{id}/send", {}),
    ("get", "/api/v1/certificates/{id}/statistics", None),
]
RECIPIENT_ENDPOINTS = [
    ("get", "/api/v1/recipients/{id}", None),
    ("patch", "/api/v1/recipients/{id}", {"name": "Mallory"}),
    ("delete", "/api/v1/recipients/{id}", None),
    ("post", "/api/v1/recipients/{id}/resend", None),
    ("post", "/api/v1/recipients/{id}/revoke", {"reason": "Because"}),
    ("get", "/api/v1/recipients/{id}/events", None),
]


@pytest.fixture
def theirs(other_org: Organization) -> tuple[Certificate, Recipient]:
    certificate = certificate_create(organization=other_org, name="Their certificate")
    [recipient] = recipients_add(
        certificate=certificate, rows=[RawRow(0, "Their recipient", "them@example.com")]
    ).recipients
    return certificate, recipient


def call(api: Client, method: str, path: str, body: Any) -> Any:
    if body is None:
        return getattr(api, method)(path)
    return getattr(api, method)(path, body, content_type="application/json")


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(("method", "path", "body"), CERTIFICATE_ENDPOINTS)
def test_it_hides_other_and_missing_certificates(
    api: Client, theirs: tuple[Certificate, Recipient], method: str, path: str, body: Any
) -> None:
    certificate, recipient = theirs
    for public_id in (certificate.public_id, "doesnotexist0000", "x" * 300):
        assert_not_found(call(api, method, path.format(id=public_id), body))
    assert list(Recipient.objects.all()) == [recipient]
    assert not Event.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), RECIPIENT_ENDPOINTS)
def test_it_hides_other_and_missing_recipients(
    api: Client, theirs: tuple[Certificate, Recipient], method: str, path: str, body: Any
) -> None:
    _certificate, recipient = theirs
    for public_id in (recipient.public_id, recipient.token, "doesnotexist0000"):
        assert_not_found(call(api, method, path.format(id=public_id), body))
    recipient.refresh_from_db()
    assert recipient.name == "Their recipient"
    assert recipient.revoked_at is None
    assert not Event.objects.exists()
