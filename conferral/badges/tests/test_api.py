"""/api/v1/badges: read a recipient's Open Badge, reissue it, rotate the key."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import certificate_create


def test_it_reads_the_same_signed_credential_twice(api: Client, recipient: Recipient) -> None:
    first = api.get(f"/api/v1/badges/recipients/{recipient.public_id}")
    again = api.get(f"/api/v1/badges/recipients/{recipient.public_id}")

    assert first.status_code == 200
    body = first.json()
    assert body == again.json()
    assert body["credential"]["id"] == body["id"]
    assert body["replaces"] is None
    assert body["png_url"] == body["id"] + "/image.png"
    assert "proof" in body["credential"]


def test_it_reissues_under_a_new_id_that_names_the_old_one(
    api: Client, recipient: Recipient
) -> None:
    old = api.get(f"/api/v1/badges/recipients/{recipient.public_id}").json()

    response = api.post(
        f"/api/v1/badges/recipients/{recipient.public_id}/reissue",
        json.dumps({"reason": "Name corrected"}),
        content_type="application/json",
    )

    assert response.status_code == 200
    new = response.json()
    assert new["id"] != old["id"]
    assert new["replaces"] == old["id"]
    assert api.get(f"/api/v1/badges/recipients/{recipient.public_id}").json()["id"] == new["id"]


def test_it_refuses_to_reissue_a_revoked_credential(api: Client, recipient: Recipient) -> None:
    recipient_revoke(recipient=recipient, reason="Mistake")

    response = api.post(
        f"/api/v1/badges/recipients/{recipient.public_id}/reissue",
        "{}",
        content_type="application/json",
    )

    assert response.status_code == 409
    assert "revoked" in response.json()["detail"]


def test_it_hides_another_organizations_recipient(
    api: Client,
    other_org: Organization,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    theirs = certificate_create(organization=other_org, name="Theirs")
    (stranger,) = add_recipients(("Eve", "eve@example.org"), cert=theirs)

    assert api.get(f"/api/v1/badges/recipients/{stranger.public_id}").status_code == 404


def test_it_rotates_the_key_and_old_credentials_still_verify(
    api: Client, client: Client, recipient: Recipient, certificate: Certificate
) -> None:
    before = api.get(f"/api/v1/badges/recipients/{recipient.public_id}").json()["credential"]

    rotated = api.post("/api/v1/badges/keys/rotate")

    assert rotated.status_code == 200
    assert rotated.json()["verification_method"].endswith("#key-2")
    pasted = client.post("/badges/verify", {"credential": json.dumps(before)})
    assert "Valid credential" in pasted.content.decode()
