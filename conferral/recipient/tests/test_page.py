from __future__ import annotations

import datetime as dt

from django.test import Client

from conferral.certificates.links import recipient_path, verify_url
from conferral.certificates.models import Certificate, Channel, Event, EventType, Recipient
from conferral.recipient.tests.conftest import FIREFOX


def test_it_shows_the_credential(client: Client, recipient: Recipient) -> None:
    certificate = recipient.certificate
    Certificate.objects.filter(pk=certificate.pk).update(
        description="Eight weeks of Python.", expires_at=dt.date(2031, 5, 17)
    )

    response = client.get(recipient_path(recipient, Channel.EMAIL), HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Python Fundamentals" in body
    assert "Certificate" in body
    assert "Jürgen Müller-Łukasz" in body
    assert "Acme Academy" in body
    assert "Eight weeks of Python." in body
    assert "May 17, 2031" in body
    assert recipient.credential_id in body
    assert "Claim your certificate" in body
    assert 'lang="en"' in body
    assert "no-cache" in response["Cache-Control"]


def test_it_records_a_view_with_the_channel_of_the_link(
    client: Client, recipient: Recipient
) -> None:
    client.get(recipient_path(recipient, Channel.API), HTTP_USER_AGENT=FIREFOX)

    event = Event.objects.get(recipient=recipient)
    assert event.type == EventType.CREDENTIAL_VIEWED
    assert event.channel == Channel.API
    assert event.machine is False
    recipient.refresh_from_db()
    assert recipient.viewed_at is not None


def test_it_never_claims_on_get_or_head(client: Client, recipient: Recipient) -> None:
    path = recipient_path(recipient, Channel.EMAIL)
    for _ in range(3):
        client.get(path, HTTP_USER_AGENT=FIREFOX)
    client.head(path, HTTP_USER_AGENT=FIREFOX)
    client.get(path, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Proofpoint URL Defense)")

    recipient.refresh_from_db()
    assert recipient.claimed_at is None
    assert not Event.objects.filter(type=EventType.CREDENTIAL_CLAIMED).exists()
    machine = Event.objects.filter(type=EventType.CREDENTIAL_VIEWED, machine=True)
    assert machine.count() == 2


def test_it_offers_downloads_sharing_and_verification_after_claiming(
    client: Client, claimed: Recipient
) -> None:
    response = client.get(recipient_path(claimed, Channel.EMAIL))

    body = response.content.decode()
    assert "Claim your certificate" not in body
    assert f"/r/{claimed.token}/certificate.pdf" in body
    assert f"/r/{claimed.token}/certificate.png" in body
    assert f"/r/{claimed.token}/preview.png" in body
    for network in ("linkedin", "facebook", "x"):
        assert f"/r/{claimed.token}/share/{network}" in body
    assert f"/r/{claimed.token}/linkedin" in body
    assert verify_url(claimed) in body


def test_it_speaks_the_certificate_language(client: Client, recipient: Recipient) -> None:
    Certificate.objects.filter(pk=recipient.certificate_id).update(language="de")

    response = client.get(recipient_path(recipient, Channel.EMAIL), HTTP_ACCEPT_LANGUAGE="en")

    assert 'lang="de"' in response.content.decode()
    assert response["Content-Language"] == "de"


def test_it_explains_a_revoked_credential_and_offers_no_claim(
    client: Client, recipient: Recipient
) -> None:
    Recipient.objects.filter(pk=recipient.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), revoke_reason="Issued in error"
    )

    response = client.get(recipient_path(recipient, Channel.EMAIL))

    body = response.content.decode()
    assert "This credential was revoked by Acme Academy on April 1, 2026." in body
    assert "Issued in error" in body
    assert "Claim your certificate" not in body


def test_it_says_when_a_credential_has_expired(client: Client, claimed: Recipient) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(expires_at=dt.date(2020, 1, 31))

    body = client.get(recipient_path(claimed, Channel.EMAIL)).content.decode()

    assert "This credential expired on Jan. 31, 2020." in body
    assert f"/r/{claimed.token}/certificate.pdf" in body
