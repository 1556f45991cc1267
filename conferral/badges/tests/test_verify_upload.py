"""The verification page's upload: a credential pasted as JSON or uploaded baked into
its PNG or SVG image is checked (proof, status, dates, optionally the email), and a
tampered, revoked or foreign one says why it fails."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conferral.badges.baking import png_unbake, svg_unbake
from conferral.badges.issuing import badge_current, badge_reissue
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Recipient

URL = "/badges/verify"


def _paste(client: Client, document: object, email: str = "") -> str:
    response = client.post(URL, {"credential": json.dumps(document), "email": email})
    return response.content.decode()


def test_it_verifies_a_pasted_credential_and_the_recipient_email(
    client: Client, recipient: Recipient
) -> None:
    document = badge_current(recipient).document

    body = _paste(client, document, email="juergen@example.org")

    assert "Valid credential" in body
    assert "This email address is the recipient&#x27;s." in body
    assert "Not valid" not in body


def test_it_says_when_the_email_is_not_the_recipients(client: Client, recipient: Recipient) -> None:
    response = client.post(
        URL,
        {"credential": json.dumps(badge_current(recipient).document), "email": "eve@example.org"},
    )
    assert response.status_code == 422
    assert "This email address is not the recipient&#x27;s." in response.content.decode()


def test_it_fails_a_tampered_credential(client: Client, recipient: Recipient) -> None:
    document = json.loads(json.dumps(badge_current(recipient).document))
    document["validFrom"] = "2001-01-01T00:00:00Z"

    body = _paste(client, document)

    assert "Not valid" in body
    assert "the credential was changed" in body


def test_it_shows_a_revoked_credential_as_revoked(client: Client, recipient: Recipient) -> None:
    document = badge_current(recipient).document
    recipient_revoke(recipient=recipient, reason="Issued by mistake")

    body = _paste(client, document)

    assert "Not valid" in body
    assert "The issuer has revoked or replaced this credential." in body


def test_it_names_the_replacement_of_a_reissued_credential(
    client: Client, recipient: Recipient
) -> None:
    old = badge_current(recipient).document
    new = badge_reissue(recipient=recipient, reason="Name corrected").document

    body = _paste(client, old)

    assert "Not valid" in body
    assert new["id"] in body


def test_it_verifies_the_baked_png_and_svg_downloads(client: Client, recipient: Recipient) -> None:
    badge = badge_current(recipient)
    for fmt, unbake in (("png", png_unbake), ("svg", svg_unbake)):
        path = urlsplit(badge.document["id"]).path + f"/image.{fmt}"
        response = client.get(path + "?download")
        assert response.status_code == 200
        assert json.loads(unbake(response.content)) == badge.document

        upload = SimpleUploadedFile(f"badge.{fmt}", response.content)
        body = client.post(URL, {"file": upload}).content.decode()

        assert "Valid credential" in body, fmt


def test_it_explains_input_that_is_not_a_credential(client: Client, db: None) -> None:
    cases = {
        "": "Paste a credential or choose a file.",
        "{not json": "This is not JSON",
        "[1, 2]": "A credential is a JSON object.",
        '{"@context": ["https://example.org"], "type": ["X"]}': "not a Verifiable Credential 2.0",
    }
    for pasted, message in cases.items():
        response = client.post(URL, {"credential": pasted})
        assert response.status_code in (400, 422)
        assert message in response.content.decode(), pasted
    upload = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n\0\0")
    assert "cut off" in client.post(URL, {"file": upload}).content.decode()
