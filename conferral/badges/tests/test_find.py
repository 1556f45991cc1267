"""The "find my credentials" page: one email listing every credential of the address,
the same answer for an unknown address, and a limit per address typed."""

from __future__ import annotations

from collections.abc import Callable

from django.core import mail
from django.test import Client, override_settings
from pytest_django.fixtures import Settings

from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Certificate, CertificateState, Recipient
from conferral.certificates.services import certificate_create
from conferral.testing.smtp import SmtpServer

# The backend settings.py configures (pytest-django swaps in the locmem one).
PRODUCTION_EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _published(*certificates: Certificate) -> None:
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
        state=CertificateState.PUBLISHED
    )


@override_settings(TASKS=IMMEDIATE)
def test_it_sends_one_email_listing_all_the_credentials_of_the_address(
    client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    second = certificate_create(organization=certificate.organization, name="Django Deep Dive")
    third = certificate_create(organization=certificate.organization, name="Revoked Course")
    _published(certificate, second, third)
    (one,) = add_recipients(("Ada", "ada@example.org"))
    (two,) = add_recipients(("Ada", "ada@example.org"), cert=second)
    (gone,) = add_recipients(("Ada", "ada@example.org"), cert=third)
    recipient_revoke(recipient=gone, reason="Mistake")

    response = client.post("/badges/find", {"email": " ADA@example.org "})

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert "Python Fundamentals" in message.body
    assert "Django Deep Dive" in message.body
    assert f"/r/{one.token}" in message.body
    assert f"/r/{two.token}" in message.body
    assert "Revoked Course" not in message.body


@override_settings(TASKS=IMMEDIATE)
def test_it_answers_an_unknown_address_the_same_and_sends_nothing(
    client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _published(certificate)
    add_recipients(("Ada", "ada@example.org"))

    known = client.post("/badges/find", {"email": "ada@example.org"}).content.decode()
    mail.outbox.clear()
    unknown = client.post("/badges/find", {"email": "bob@example.org"}).content.decode()

    assert unknown.replace("bob@", "ada@") == known
    assert mail.outbox == []


def test_it_refuses_an_address_that_is_not_one(client: Client, db: None) -> None:
    response = client.post("/badges/find", {"email": "not an address"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


@override_settings(TASKS=IMMEDIATE)
def test_it_limits_requests_for_one_address(client: Client, db: None) -> None:
    statuses = [
        client.post(
            "/badges/find", {"email": "ada@example.org"}, REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@override_settings(TASKS=IMMEDIATE)
def test_it_sends_the_list_through_the_configured_smtp_server(
    client: Client,
    settings: Settings,
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.EMAIL_BACKEND = PRODUCTION_EMAIL_BACKEND
    _published(certificate)
    (ada,) = add_recipients(("Ada", "ada@example.org"))

    client.post("/badges/find", {"email": "ada@example.org"})

    (received,) = smtp.received_by("ada@example.org")
    assert str(received.message["Subject"]) == "Your credentials"
    assert f"/r/{ada.token}" in received.data.decode()
