from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus


def patch(api: Client, recipient: Recipient, body: Any) -> Any:
    return api.patch(
        f"/api/v1/recipients/{recipient.public_id}", body, content_type="application/json"
    )


def test_it_reads_one_recipient(api: Client, add_recipients: Any) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    response = api.get(f"/api/v1/recipients/{ada.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ada.public_id
    assert body["name"] == "Ada Lovelace"
    assert body["token"] == ada.token
    assert body["status"] == "not_sent"
    assert body["email_status"] == "not_sent"


def test_it_edits_only_the_fields_given(api: Client, add_recipients: Any) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    Recipient.objects.filter(pk=ada.pk).update(attributes={"grade": "A"})
    response = patch(api, ada, {"name": "Ada Lovelace"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Ada Lovelace"
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["attributes"] == {"grade": "A"}
    response = patch(api, ada, {"attributes": {"grade": "A+"}, "email": None})
    assert response.json()["attributes"] == {"grade": "A+"}
    assert response.json()["email"] == ""
    assert response.json()["email_status"] == "not_provided"


def test_it_makes_a_bounced_recipient_sendable_with_a_fixed_address(
    api: Client, add_recipients: Any
) -> None:
    [typo] = add_recipients(("Typo", "someone@gmail.cmo"))
    Recipient.objects.filter(pk=typo.pk).update(
        email_status=EmailStatus.BOUNCED, bounce_kind="hard", bounced_at=timezone.now()
    )
    response = patch(api, typo, {"email": "someone@gmail.com"})
    assert response.status_code == 200
    assert response.json()["email_status"] == "not_sent"
    assert response.json()["status"] == "not_sent"


def test_it_rejects_bad_edits_and_changes_nothing(api: Client, add_recipients: Any) -> None:
    ada, _bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    response = patch(api, ada, {"name": "", "email": "ada@gmial.com", "attributes": {"": "x"}})
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert set(errors) == {("name",), ("email",), ("attributes",)}
    assert "gmail.com" in errors[("email",)]
    duplicate = patch(api, ada, {"email": "BOB@example.com"})
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["email"]
    unknown = patch(api, ada, {"token": "AAAA-BBBB-CCCC-DDDD"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["token"]
    ada.refresh_from_db()
    assert (ada.name, ada.email) == ("Ada", "ada@example.com")


def test_it_deletes_a_recipient(api: Client, add_recipients: Any) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    response = api.delete(f"/api/v1/recipients/{ada.public_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert list(Recipient.objects.all()) == [bob]
    assert api.get(f"/api/v1/recipients/{ada.public_id}").status_code == 404


def test_it_revokes_with_a_reason(api: Client, add_recipients: Any) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    missing = api.post(
        f"/api/v1/recipients/{ada.public_id}/revoke", {}, content_type="application/json"
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["reason"]
    blank = api.post(
        f"/api/v1/recipients/{ada.public_id}/revoke",
        {"reason": "   "},
        content_type="application/json",
    )
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["reason"]
    assert not Recipient.objects.get(pk=ada.pk).is_revoked
    response = api.post(
        f"/api/v1/recipients/{ada.public_id}/revoke",
        {"reason": "Issued by mistake"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    ada.refresh_from_db()
    assert ada.revoke_reason == "Issued by mistake"
    assert Event.objects.filter(recipient=ada, type=EventType.CREDENTIAL_REVOKED).count() == 1


def test_it_lists_events_with_explanations_and_a_summary(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = api.generic("POST", f"/api/v1/certificates/{certificate.public_id}/send")
    assert sent.status_code == 202
    api.post(
        f"/api/v1/recipients/{ada.public_id}/revoke",
        {"reason": "Duplicate"},
        content_type="application/json",
    )
    response = api.get(f"/api/v1/recipients/{ada.public_id}/events")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    queued, revoked = body["items"]
    assert queued["type"] == "email.queued"
    assert queued["explanation"] == "Queued for sending."
    assert queued["machine"] is False
    assert queued["at"]
    assert revoked["type"] == "credential.revoked"
    assert revoked["detail"] == {"reason": "Duplicate"}
    assert revoked["explanation"] == "Revoked by the issuer: Duplicate"
    assert "being sent" in body["summary"]
    assert "Revoked" in body["summary"]
    page = api.get(f"/api/v1/recipients/{ada.public_id}/events?limit=1&offset=1").json()
    assert [e["type"] for e in page["items"]] == ["credential.revoked"]
