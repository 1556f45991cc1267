from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.test import Client
from django.utils import formats

from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.links import verify_url
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.recipient.tests.conftest import FIREFOX


def test_it_shows_a_valid_credential(client: Client, claimed: Recipient) -> None:
    response = client.get(urlsplit(verify_url(claimed)).path, HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Valid credential" in body
    assert "Jürgen Müller-Łukasz" in body
    assert "Acme Academy" in body
    assert "Python Fundamentals" in body
    assert claimed.credential_id in body
    assert claimed.token not in body  # the page never reveals the secret token
    event = Event.objects.get(type=EventType.CREDENTIAL_VERIFIED)
    assert event.machine is False
    assert event.recipient_id == claimed.pk


def test_it_shows_an_expired_credential(client: Client, claimed: Recipient) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(expires_at=dt.date(2021, 6, 30))

    body = client.get(f"/v/{claimed.credential_id}").content.decode()

    assert "Expired credential" in body
    assert "It was valid until June 30, 2021." in body
    assert "Valid credential" not in body


def test_it_shows_a_revoked_credential_with_reason_and_date(
    client: Client, claimed: Recipient
) -> None:
    recipient_revoke(recipient=claimed, reason="Exam results withdrawn")
    claimed.refresh_from_db()
    assert claimed.revoked_at is not None
    day = formats.date_format(claimed.revoked_at, "DATE_FORMAT")

    body = client.get(f"/v/{claimed.credential_id}").content.decode()

    assert "Revoked credential" in body
    assert f"Acme Academy revoked it on {day}." in body
    assert "Exam results withdrawn" in body
    assert "Valid credential" not in body


def test_it_answers_an_unknown_id_with_no_such_credential(
    client: Client, claimed: Recipient
) -> None:
    for bad in (claimed.credential_id[:-1], "nope", "x" * 500, claimed.token):
        response = client.get(f"/v/{bad}")
        assert response.status_code == 404
        assert "No such credential" in response.content.decode()
    assert not Event.objects.filter(type=EventType.CREDENTIAL_VERIFIED).exists()


def test_it_flags_a_bot_looking_at_the_verification_page(
    client: Client, claimed: Recipient
) -> None:
    client.get(f"/v/{claimed.credential_id}", HTTP_USER_AGENT="LinkedInBot/1.0")

    event = Event.objects.get(type=EventType.CREDENTIAL_VERIFIED)
    assert event.machine is True
