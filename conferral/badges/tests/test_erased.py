"""An erased credential's Open Badge: its status list bit is set (verifiers elsewhere
stop accepting it), its JSON and baked image answer 410, and the verification page
says it was erased without showing back anything of the person's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from conferral.badges.issuing import badge_current
from conferral.badges.models import BadgeCredential
from conferral.badges.status_list import bitstring_bit
from conferral.certificates.erasure import recipient_erase
from conferral.certificates.models import Recipient


def _bit(client: Client, document: dict[str, Any]) -> bool:
    entry = document["credentialStatus"]
    listed = json.loads(client.get(urlsplit(entry["statusListCredential"]).path).content)
    return bitstring_bit(listed["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))


def test_it_marks_an_erased_badge_revoked_and_answers_410(
    client: Client, recipient: Recipient
) -> None:
    badge = badge_current(recipient)
    document = badge.document
    assert _bit(client, document) is False

    recipient_erase(recipient=recipient, by="owner@acme.test")

    assert _bit(client, document) is True
    assert BadgeCredential.objects.get(pk=badge.pk).signed_json == "{}"
    path = urlsplit(document["id"]).path
    for response in (
        client.get(path),
        client.get(f"{path}/image.png"),
        client.get(f"{path}/image.svg"),
    ):
        assert response.status_code == 410
        body = response.content.decode()
        assert "was erased" in body
        assert "Jürgen" not in body


def test_it_says_on_the_verification_page_that_the_credential_was_erased(
    client: Client, recipient: Recipient
) -> None:
    document = badge_current(recipient).document
    recipient_erase(recipient=recipient)

    response = client.post(
        "/badges/verify", {"credential": json.dumps(document), "email": "juergen@example.org"}
    )

    assert response.status_code == 410
    body = response.content.decode()
    assert "erased by its issuer" in body
    for trace in (
        "Jürgen",
        "juergen@example.org",
        document["credentialSubject"]["identifier"][0]["identityHash"],
    ):
        assert trace not in body
