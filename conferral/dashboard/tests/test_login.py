"""Signing in and out; every dashboard page needs a signed-in user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.models import Certificate, Recipient


@pytest.mark.parametrize(
    "name", ["dashboard:home", "dashboard:mailbox", "dashboard:certificate", "dashboard:recipient"]
)
def test_it_sends_anonymous_visitors_to_the_login_page(
    client: Client, certificate: Certificate, people: list[Recipient], name: str
) -> None:
    kwargs = {
        "dashboard:certificate": {"certificate_id": certificate.public_id},
        "dashboard:recipient": {"recipient_id": people[0].public_id},
    }.get(name, {})
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={url}"


def test_it_signs_in_with_the_email_in_any_case(client: Client, org: Organization) -> None:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    response = client.post(
        reverse("dashboard:login"),
        {"username": " Owner@ACME.test ", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_it_refuses_a_wrong_password(client: Client, org: Organization) -> None:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    response = client.post(
        reverse("dashboard:login"), {"username": "owner@acme.test", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "That email and password do not match." in response.content.decode()
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_it_signs_out_with_a_post(user_client: Client) -> None:
    response = user_client.post(reverse("dashboard:logout"))
    assert response.status_code == 302
    assert user_client.get(reverse("dashboard:home")).status_code == 302
