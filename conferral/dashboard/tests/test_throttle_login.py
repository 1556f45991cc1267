"""Signing in, password resets and invitations are throttled per client address and per
account or email address; a refused sign-in costs no password hashing."""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.accounts.models import Invitation, Organization, Role
from conferral.accounts.services import user_create
from conferral.dashboard.tests.team_support import member_add, production_email
from conferral.delivery.models import MailboxMessage

PASSWORD = "correct horse battery"
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 8
WINDOW = 900


class CountingHasher(MD5PasswordHasher):
    """MD5 that notes every password it hashes (to check it, or the dummy hash Django
    computes for an unknown account)."""

    algorithm = "counting_md5"
    calls: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        # Checking a password encodes it too (MD5PasswordHasher.verify).
        self.calls.append(password)
        return super().encode(password, salt)


@pytest.fixture
def limits(settings: Settings, throttle_window: None) -> None:
    settings.THROTTLE_LIMITS = {
        **settings.THROTTLE_LIMITS,
        "login_account": (ACCOUNT_FAILURES, WINDOW),
        "login_address": (ADDRESS_FAILURES, WINDOW),
        "reset_email": (2, 3600),
        "reset_address": (3, 3600),
        "invite_email": (2, 3600),
        "invite_address": (3, 3600),
    }


@pytest.fixture
def hashes(settings: Settings, org: Organization) -> list[str]:
    """The hashes computed from here on, with an account owner@acme.test."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    user_create(email="owner@acme.test", password=PASSWORD, organization=org)
    CountingHasher.calls.clear()
    return CountingHasher.calls


def _sign_in(
    client: Client, password: str, email: str = "owner@acme.test", address: str = "127.0.0.1"
) -> int:
    response = client.post(
        reverse("dashboard:login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_it_refuses_wrong_passwords_after_the_allowed_failures_without_hashing(
    client: Client, hashes: list[str], limits: None
) -> None:
    statuses = [_sign_in(client, f"wrong {n}") for n in range(ACCOUNT_FAILURES)]
    hashed = len(hashes)
    statuses += [_sign_in(client, f"wrong again {n}") for n in range(100)]

    assert statuses == [200] * ACCOUNT_FAILURES + [429] * 100
    assert hashed == ACCOUNT_FAILURES
    assert len(hashes) == hashed


def test_it_refuses_the_account_from_every_address_but_not_other_accounts(
    client: Client, hashes: list[str], org: Organization, limits: None
) -> None:
    user_create(email="ada@acme.test", password=PASSWORD, organization=org)
    for n in range(ACCOUNT_FAILURES):
        _sign_in(client, f"wrong {n}")

    assert _sign_in(client, PASSWORD, address="10.0.0.2") == 429
    assert _sign_in(Client(), PASSWORD, "ada@acme.test", address="10.0.0.2") == 302


def test_it_refuses_an_address_that_tries_many_accounts(
    client: Client, hashes: list[str], limits: None
) -> None:
    statuses = [_sign_in(client, "guess", f"user{n}@acme.test") for n in range(30)]

    assert statuses == [200] * ADDRESS_FAILURES + [429] * (30 - ADDRESS_FAILURES)
    assert _sign_in(client, PASSWORD, "owner@acme.test") == 429
    assert _sign_in(Client(), PASSWORD, "owner@acme.test", address="10.0.0.2") == 302


def test_it_lets_the_owner_in_after_the_window(
    client: Client, hashes: list[str], limits: None
) -> None:
    with freeze_time("2030-01-01 09:05:00") as clock:
        for n in range(ACCOUNT_FAILURES):
            _sign_in(client, f"wrong {n}")
        refused = client.post(
            reverse("dashboard:login"), {"username": "owner@acme.test", "password": PASSWORD}
        )
        clock.move_to("2030-01-01 09:15:00")
        status = _sign_in(client, PASSWORD)

    assert refused.status_code == 429
    # Windows of 900 seconds: the one that began at 09:00 ends at 09:15.
    assert refused["Retry-After"] == "600"
    assert "Please try again in 10 minutes (after 09:15 UTC)." in refused.content.decode()
    assert status == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_it_never_refuses_signing_in_often(client: Client, hashes: list[str], limits: None) -> None:
    for _ in range(ACCOUNT_FAILURES * 2):
        assert _sign_in(client, PASSWORD) == 302
        client.post(reverse("dashboard:logout"))


def test_it_throttles_password_reset_requests_per_email_and_per_address(
    client: Client, org: Organization, settings: Settings, limits: None
) -> None:
    production_email(settings)
    member_add(org, "ada@acme.test", Role.VIEWER)
    url = reverse("dashboard:password_reset")

    statuses = [client.post(url, {"email": "ADA@acme.test"}).status_code for _ in range(4)]
    other = client.post(url, {"email": "nobody@acme.test"})
    over = client.post(url, {"email": "someone@acme.test"})
    elsewhere = client.post(url, {"email": "ada@acme.test"}, REMOTE_ADDR="10.0.0.2")

    assert statuses == [302, 302, 429, 429]
    assert other.status_code == 302
    assert over.status_code == 429
    assert over.has_header("Retry-After")
    # The email limit holds whatever the address: ada had her two links this hour.
    assert elsewhere.status_code == 429
    assert MailboxMessage.objects.filter(to="ada@acme.test").count() == 2


def test_it_throttles_invitations_per_email_and_per_address(
    user_client: Client, limits: None
) -> None:
    url = reverse("dashboard:team_invite")

    statuses = [
        user_client.post(url, {"email": "new@acme.test", "role": Role.VIEWER}).status_code
        for _ in range(3)
    ]
    another = user_client.post(url, {"email": "other@acme.test", "role": Role.VIEWER})
    over = user_client.post(url, {"email": "third@acme.test", "role": Role.VIEWER})

    assert statuses == [302, 302, 429]
    assert another.status_code == 302
    assert over.status_code == 429
    assert "Too many attempts" in over.content.decode()
    assert Invitation.objects.filter(email="new@acme.test").count() == 2
    assert not Invitation.objects.filter(email="third@acme.test").exists()
