"""Erasing a recipient from the dashboard: a confirmation page that says what goes and
asks for the name, then the page says who erased it and when and offers no actions but
deletion; the list says "Erased" and the export carries no personal data. Viewers
cannot erase."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.dashboard.tests.recipients_helpers import export_url


def _url(name: str, recipient: Recipient) -> str:
    return reverse(f"dashboard:{name}", kwargs={"recipient_id": recipient.public_id})


def _ada(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    return ada


def test_it_asks_for_the_name_and_says_what_is_removed(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada = _ada(add_recipients)
    page = user_client.get(_url("recipient", ada)).content.decode()
    assert _url("recipient_erase", ada) in page

    response = user_client.get(_url("recipient_erase", ada))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Erase Ada Lovelace?" in text
    assert "cannot be undone" in text
    assert "suppression list" in text
    assert "Type the recipient's name, Ada Lovelace, to confirm" in text


def test_it_keeps_the_recipient_when_the_typed_name_is_wrong(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada = _ada(add_recipients)

    response = user_client.post(_url("recipient_erase", ada), {"name": "Ada"})

    assert response.status_code == 400
    assert "exactly as shown" in response.content.decode()
    ada.refresh_from_db()
    assert (ada.name, ada.erased_at) == ("Ada Lovelace", None)


def test_it_erases_and_then_shows_who_did_it_and_no_actions(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada = _ada(add_recipients)

    response = user_client.post(_url("recipient_erase", ada), {"name": " ada  lovelace "})

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.name, ada.email, ada.erased_at is not None) == ("", "", True)
    mark = Event.objects.get(recipient=ada, type=EventType.CREDENTIAL_ERASED)
    assert (mark.channel, mark.detail) == ("admin", {"by": "owner@acme.test"})
    page = user_client.get(_url("recipient", ada)).content.decode()
    assert "Erased by owner@acme.test on" in page
    assert "Erased by owner@acme.test: the name, address and attributes were removed" in page
    for action in ("recipient_edit", "recipient_resend", "recipient_token", "recipient_revoke"):
        assert _url(action, ada) not in page
    assert ada.token not in page
    assert _url("recipient_delete", ada) in page
    listed = user_client.get(
        reverse(
            "dashboard:certificate_recipients", kwargs={"certificate_id": certificate.public_id}
        )
    ).content.decode()
    assert ">Erased</a>" in listed
    response = user_client.get(export_url(certificate), {"format": "csv"})
    exported = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert exported.decode("utf-8-sig").splitlines()[1].startswith("Erased,,")
    assert b"Lovelace" not in exported
    assert b"ada@example.com" not in exported


def test_it_refuses_every_change_to_an_erased_recipient(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada = _ada(add_recipients)
    user_client.post(_url("recipient_erase", ada), {"name": "Ada Lovelace"})

    answers = [
        user_client.post(_url("recipient_erase", ada), {"name": "Ada Lovelace"}),
        user_client.post(_url("recipient_edit", ada), {"name": "Ada", "email": "a@example.com"}),
        user_client.post(_url("recipient_resend", ada)),
        user_client.post(_url("recipient_token", ada)),
        user_client.post(_url("recipient_revoke", ada), {"reason": "mistake"}),
        user_client.post(_url("recipient_download", ada)),
    ]

    for response in answers:
        assert response.status_code == 302
        assert response["Location"] == _url("recipient", ada)
    page = user_client.get(_url("recipient", ada)).content.decode()
    assert "was erased on" in page
    ada.refresh_from_db()
    assert (ada.name, ada.email, ada.revoked_at) == ("", "", None)
    assert Event.objects.filter(recipient=ada, type=EventType.CREDENTIAL_ERASED).count() == 1


def test_it_lets_no_viewer_erase(
    viewer_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada = _ada(add_recipients)

    assert (
        viewer_client.post(_url("recipient_erase", ada), {"name": "Ada Lovelace"}).status_code
        == 403
    )
    assert viewer_client.get(_url("recipient_erase", ada)).status_code == 403
    ada.refresh_from_db()
    assert ada.erased_at is None
