"""Helpers for the dashboard tests: a second organization's certificate, and a viewer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.accounts.services import user_create
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hashing passwords the production way takes most of a test's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def foreign_certificate(other_org: Organization) -> Certificate:
    certificate = certificate_create(organization=other_org, name="Their Secret Course")
    recipients_add(
        certificate=certificate, rows=[RawRow(1, "Their Recipient", "theirs@example.com")]
    )
    return certificate


@pytest.fixture
def foreign_recipient(foreign_certificate: Certificate) -> Recipient:
    return foreign_certificate.recipients.get()


@pytest.fixture
def viewer_client(client: Client, org: Organization) -> Client:
    user_create(
        email="viewer@acme.test",
        password="correct horse battery",
        organization=org,
        role=Role.VIEWER,
    )
    client.login(username="viewer@acme.test", password="correct horse battery")
    return client


@pytest.fixture
def people(add_recipients: Callable[..., list[Recipient]]) -> list[Recipient]:
    return add_recipients(
        ("Jürgen Müller-Łukasz", "juergen@example.com"),
        ("Åsa Øberg", "asa@example.com"),
        ("Mateo García", ""),
    )
