from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.links import verify_url
from conferral.certificates.models import Certificate, Event, EventType, Recipient

SHARE_HOSTS = {
    "linkedin": ("www.linkedin.com", "/sharing/share-offsite/", "url"),
    "facebook": ("www.facebook.com", "/sharer/sharer.php", "u"),
    "x": ("x.com", "/intent/post", "url"),
}


@pytest.mark.parametrize("network", ["linkedin", "facebook", "x"])
def test_it_records_the_share_and_opens_the_network(
    client: Client, claimed: Recipient, network: str
) -> None:
    response = client.post(f"/r/{claimed.token}/share/{network}")

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    host, path, param = SHARE_HOSTS[network]
    assert (target.scheme, target.netloc, target.path) == ("https", host, path)
    assert parse_qs(target.query)[param] == [verify_url(claimed)]
    event = Event.objects.get(type=EventType.CREDENTIAL_SHARED)
    assert event.detail == {"network": network}
    claimed.refresh_from_db()
    assert claimed.shared == [network]


def test_it_lists_each_network_once(client: Client, claimed: Recipient) -> None:
    for network in ("x", "linkedin", "x"):
        client.post(f"/r/{claimed.token}/share/{network}")

    claimed.refresh_from_db()
    assert claimed.shared == ["x", "linkedin"]
    assert Event.objects.filter(type=EventType.CREDENTIAL_SHARED).count() == 3


def test_it_only_shares_by_post(client: Client, claimed: Recipient) -> None:
    assert client.get(f"/r/{claimed.token}/share/linkedin").status_code == 405
    assert client.get(f"/r/{claimed.token}/linkedin").status_code == 405
    assert not Event.objects.exclude(type=EventType.CREDENTIAL_CLAIMED).exists()


def test_it_refuses_an_unknown_network(client: Client, claimed: Recipient) -> None:
    response = client.post(f"/r/{claimed.token}/share/evil.example")

    assert response.status_code == 404
    assert "Location" not in response


def test_it_refuses_to_share_before_the_claim(client: Client, recipient: Recipient) -> None:
    response = client.post(f"/r/{recipient.token}/share/linkedin")

    assert response.status_code == 403
    assert "Claim your credential first" in response.content.decode()
    assert not Event.objects.exists()


def test_it_refuses_to_share_a_revoked_credential(client: Client, claimed: Recipient) -> None:
    recipient_revoke(recipient=claimed, reason="Issued in error")

    for path in ("share/facebook", "linkedin"):
        response = client.post(f"/r/{claimed.token}/{path}")
        assert response.status_code == 410
        assert "revoked" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.shared == []
    assert claimed.linkedin_added_at is None


def test_it_adds_the_credential_to_the_linkedin_profile(client: Client, claimed: Recipient) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(
        issue_date=dt.date(2026, 3, 14), expires_at=dt.date(2028, 9, 30)
    )

    response = client.post(f"/r/{claimed.token}/linkedin")

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "www.linkedin.com",
        "/profile/add",
    )
    assert parse_qs(target.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Python Fundamentals"],
        "organizationName": ["Acme Academy"],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "expirationYear": ["2028"],
        "expirationMonth": ["9"],
        "certUrl": [verify_url(claimed)],
        "certId": [claimed.credential_id],
    }
    assert Event.objects.filter(type=EventType.CREDENTIAL_LINKEDIN_ADDED).count() == 1
    claimed.refresh_from_db()
    assert claimed.linkedin_added_at is not None
