"""The OpenBadgeCredential as issued and served: its shape, its proof checked against
the DID document Conferral serves, revocation through the served status list, reissue,
and key rotation."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from conferral.badges.did import organization_did
from conferral.badges.issuing import badge_current, badge_reissue, identity_hash
from conferral.badges.keys import issuer_key_rotate
from conferral.badges.loader import OB_V3, VC_V2, shipped_loader
from conferral.badges.multibase import public_key_raw
from conferral.badges.proof import ProofError, proof_verify
from conferral.badges.status_list import bitstring_bit
from conferral.certificates.credentials import CredentialRevoked, recipient_revoke
from conferral.certificates.models import Event, EventType, Recipient


def _get_json(client: Client, url: str) -> dict[str, Any]:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = json.loads(response.content)
    return data


def _verify_through_did(client: Client, document: dict[str, Any]) -> str:
    """Verify with the keys of the DID document as served over HTTP (not the rows)."""
    did = document["issuer"] if isinstance(document["issuer"], str) else document["issuer"]["id"]
    path = "/" + "/".join(did.split(":")[3:]) + "/did.json"
    did_doc = _get_json(client, path)
    keys = {m["id"]: public_key_raw(m["publicKeyMultibase"]) for m in did_doc["verificationMethod"]}
    assert set(did_doc["assertionMethod"]) == set(keys)
    return proof_verify(document, public_key=keys.get, loader=shipped_loader())


def _revoked_bit(client: Client, document: dict[str, Any]) -> bool:
    entry = document["credentialStatus"]
    listed = _get_json(client, entry["statusListCredential"])
    _verify_through_did(client, listed)
    return bitstring_bit(listed["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))


def test_it_issues_an_open_badge_credential_with_a_hashed_recipient(
    client: Client, recipient: Recipient
) -> None:
    document = _get_json(client, badge_current(recipient).document["id"])

    assert document["@context"] == [VC_V2, OB_V3]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["type"] == ["Profile"]
    assert document["issuer"]["name"] == "Acme Academy"
    assert document["issuer"]["id"] == organization_did(recipient.certificate.organization)
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Python Fundamentals"
    assert achievement["criteria"]["narrative"]
    assert achievement["image"]["type"] == "Image"
    (identity,) = document["credentialSubject"]["identifier"]
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == identity_hash("juergen@example.org", identity["salt"])
    assert "xample.org" not in json.dumps(document).replace(document["id"], "")
    assert document["validFrom"].endswith("Z")
    (proof,) = document["proof"]  # an array, as Open Badges 3.0's JSON Schema requires
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert _verify_through_did(client, document).startswith(document["issuer"]["id"] + "#key-")


def test_it_serves_the_same_signed_bytes_every_time(client: Client, recipient: Recipient) -> None:
    first = badge_current(recipient)
    again = badge_current(Recipient.objects.get(pk=recipient.pk))
    assert again.pk == first.pk

    path = urlsplit(first.document["id"]).path
    served = [client.get(path).content for _ in range(2)]

    assert served[0] == served[1] == first.signed_json.encode()
    assert list(json.loads(served[0]))[:3] == ["@context", "id", "type"]


@override_settings(BASE_URL="https://badges.example.org:8443")
def test_it_maps_the_issuer_to_did_web_with_the_port_encoded(recipient: Recipient) -> None:
    organization = recipient.certificate.organization
    did = organization_did(organization)
    assert did == f"did:web:badges.example.org%3A8443:badges:{organization.public_id}"


def test_it_refuses_a_tampered_credential(client: Client, recipient: Recipient) -> None:
    document = json.loads(json.dumps(badge_current(recipient).document))
    document["credentialSubject"]["achievement"]["name"] = "Python Mastery"
    with pytest.raises(ProofError, match="does not match"):
        _verify_through_did(client, document)


def test_it_sets_the_status_bit_when_the_credential_is_revoked(
    client: Client, recipient: Recipient
) -> None:
    document = badge_current(recipient).document
    assert _revoked_bit(client, document) is False

    recipient_revoke(recipient=recipient, reason="Issued by mistake")

    assert _revoked_bit(client, document) is True
    with pytest.raises(CredentialRevoked):
        badge_reissue(recipient=recipient)


def test_it_reissues_under_a_new_id_and_marks_the_old_one_replaced(
    client: Client, recipient: Recipient
) -> None:
    old = badge_current(recipient)

    new = badge_reissue(recipient=recipient, reason="Name corrected")

    assert new.document["id"] != old.document["id"]
    assert badge_current(recipient).pk == new.pk
    assert _revoked_bit(client, old.document) is True
    assert _revoked_bit(client, new.document) is False
    old.refresh_from_db()
    assert old.replaced_by_id == new.pk
    assert Event.objects.filter(type=EventType.CREDENTIAL_REISSUED, recipient=recipient).exists()


def test_it_keeps_old_keys_resolvable_after_a_rotation(
    client: Client, recipient: Recipient, add_recipients: Any
) -> None:
    before = badge_current(recipient).document
    issuer_key_rotate(recipient.certificate.organization)
    (other,) = add_recipients(("Ada", "ada@example.org"))

    after = badge_current(other).document

    assert before["proof"][0]["verificationMethod"].endswith("#key-1")
    assert after["proof"][0]["verificationMethod"].endswith("#key-2")
    _verify_through_did(client, before)
    _verify_through_did(client, after)


def test_it_answers_404_for_an_unknown_credential_or_list(
    client: Client, recipient: Recipient
) -> None:
    assert client.get("/badges/credentials/not-a-uuid").status_code == 404
    assert client.get("/badges/credentials/7d5b1c52-1c55-4b8e-9e79-1b5d2f1f0c11").status_code == 404
    assert client.get("/badges/nobody/did.json").status_code == 404
    org = recipient.certificate.organization.public_id
    assert client.get(f"/badges/{org}/status/9").status_code == 404


def test_it_gives_the_public_page_a_preview_and_the_badge_downloads(
    client: Client, recipient: Recipient
) -> None:
    body = client.get(f"/v/{recipient.credential_id}").content.decode()

    badge = badge_current(recipient)
    assert '<meta property="og:title" content="Python Fundamentals · Jürgen Müller-Łukasz">' in body
    assert f'<meta property="og:image" content="{badge.document["id"]}/image.png">' in body
    assert '<meta name="twitter:card" content="summary_large_image">' in body
    assert f'href="{badge.document["id"]}?download"' in body
    assert f'href="{badge.document["id"]}/image.svg?download"' in body


def test_it_hands_out_the_files_only_once_claimed_and_until_revoked(
    client: Client, add_recipients: Any
) -> None:
    (unclaimed,) = add_recipients(("Ada", "ada@example.org"))
    path = urlsplit(badge_current(unclaimed).document["id"]).path

    refused = client.get(path)
    assert refused.status_code == 403
    assert "Claim your credential first" in refused.content.decode()
    assert client.get(path + "/image.png").status_code == 403
    assert "og:image" not in client.get(f"/v/{unclaimed.credential_id}").content.decode()

    recipient_revoke(recipient=unclaimed, reason="Mistake")
    assert client.get(path).status_code == 410
