"""Regenerating a recipient's token from the dashboard: a new link, and the old one
says it was replaced."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from conferral.certificates.models import EventType, Recipient, ReplacedToken
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url


def test_it_regenerates_the_token_and_the_old_link_says_so(
    user_client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    old = ada.token
    url = recipient_action_url("recipient_token", ada)
    assert "Regenerate the token?" in page_text(user_client.get(url))
    assert ada.events.count() == 0  # asking is not doing
    response = user_client.post(url, follow=True)
    ada.refresh_from_db()
    assert ada.token != old
    assert f"The recipient has a new token: {ada.token}." in page_text(response)
    replaced = ReplacedToken.objects.get()
    assert (replaced.token, replaced.recipient) == (old, ada)
    [event] = ada.events.all()
    assert (event.type, event.channel) == (EventType.CREDENTIAL_REISSUED, "admin")

    response = user_client.get(f"/r/{old}")
    assert response.status_code == 410
    html = page_text(response)
    assert "This link was replaced" in html
    assert "Ada" not in html  # the old link names no one
    # Typed by hand, in lower case and without dashes: still recognised.
    assert user_client.get(f"/r/{old.replace('-', '').lower()}").status_code == 410
    assert user_client.get(f"/r/{old}/certificate.pdf").status_code == 410
    assert user_client.get(f"/r/{ada.token}").status_code == 200


def test_it_says_replaced_in_the_certificates_language(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    from conferral.certificates.credentials import recipient_token_regenerate

    [ada] = add_recipients(("Ada", "ada@example.com"))
    ada.certificate.language = "de"
    ada.certificate.save(update_fields=["language"])
    old = ada.token
    recipient_token_regenerate(recipient=ada)
    response = client.get(f"/r/{old}")
    assert response.status_code == 410
    assert "Dieser Link wurde ersetzt" in page_text(response)
