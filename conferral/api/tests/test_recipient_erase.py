"""POST /api/v1/recipients/{id}/erase: the erased recipient comes back without personal
data; a second call, and any edit, resend or revocation after it, is a 409 that says
why; another organization's recipient is a 404."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add


def _erase(api: Client, recipient: Recipient) -> Any:
    return api.post(f"/api/v1/recipients/{recipient.public_id}/erase")


def test_it_erases_a_recipient_and_answers_it_without_personal_data(
    api: Client, add_recipients: Any
) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))

    response = _erase(api, ada)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == ada.public_id
    assert body["erased"] is True
    assert body["erased_at"]
    assert (body["name"], body["email"], body["attributes"]) == ("", "", {})
    assert "Lovelace" not in response.content.decode()
    assert api.get(f"/api/v1/recipients/{ada.public_id}").json()["erased"] is True
    mark = Event.objects.get(recipient=ada, type=EventType.CREDENTIAL_ERASED)
    assert (mark.channel, mark.detail) == ("api", {})
    timeline = api.get(f"/api/v1/recipients/{ada.public_id}/events").json()
    assert timeline["items"][-1]["explanation"].startswith("Erased through the API")
    assert "ada@example.com" not in json.dumps(timeline)


def test_it_says_a_recipient_was_not_erased(api: Client, add_recipients: Any) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))

    body = api.get(f"/api/v1/recipients/{ada.public_id}").json()

    assert (body["erased"], body["erased_at"]) == (False, None)


def test_it_refuses_a_second_erase_and_every_change_after_it(
    api: Client, add_recipients: Any
) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    assert _erase(api, ada).status_code == 200
    path = f"/api/v1/recipients/{ada.public_id}"

    answers = [
        _erase(api, ada),
        api.patch(path, {"name": "Ada"}, content_type="application/json"),
        api.post(f"{path}/resend"),
        api.post(f"{path}/revoke", {"reason": "mistake"}, content_type="application/json"),
    ]

    for response in answers:
        assert response.status_code == 409, response.content
        assert "was erased on" in response.json()["detail"]
    ada.refresh_from_db()
    assert (ada.name, ada.revoked_at) == ("", None)
    assert Event.objects.filter(recipient=ada, type=EventType.CREDENTIAL_ERASED).count() == 1


def test_it_answers_404_for_another_organizations_recipient(
    api: Client, other_org: Organization
) -> None:
    elsewhere = certificate_create(organization=other_org, name="Elsewhere")
    [bob] = recipients_add(
        certificate=elsewhere, rows=[RawRow(1, "Bob", "bob@example.com")]
    ).recipients

    assert _erase(api, bob).status_code == 404
    bob.refresh_from_db()
    assert (bob.name, bob.erased_at) == ("Bob", None)
