"""A viewer of the organization may look at the recipients tab, but every POST of it is
refused (403) and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate, Event, Recipient, ReplacedToken
from conferral.dashboard.tests.recipients_helpers import (
    bulk_url,
    confirm_url,
    export_url,
    import_url,
    list_url,
    recipient_action_url,
)


def test_it_refuses_viewers_every_change(
    viewer_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    token = ada.token
    posts: list[tuple[str, dict[str, object]]] = [
        (reverse("dashboard:recipient_add", args=[certificate.public_id]), {"name": "Mallory"}),
        (import_url(certificate), {}),
        (confirm_url(certificate), {"staged": "x"}),
        (bulk_url(certificate), {"action": "delete", "scope": "all", "confirm": "1"}),
        (recipient_action_url("recipient_edit", ada), {"name": "Eve", "email": ""}),
        (recipient_action_url("recipient_resend", ada), {}),
        (recipient_action_url("recipient_delete", ada), {}),
        (recipient_action_url("recipient_token", ada), {}),
        (recipient_action_url("recipient_revoke", ada), {"reason": "x"}),
        (recipient_action_url("recipient_download", ada), {}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    ada.refresh_from_db()
    assert (ada.name, ada.email, ada.token, ada.revoked_at) == (
        "Ada",
        "ada@example.com",
        token,
        None,
    )
    assert Recipient.objects.count() == 1
    assert not Event.objects.exists()
    assert not ReplacedToken.objects.exists()
    # Looking is allowed, without the buttons that act.
    html = viewer_client.get(list_url(certificate)).content.decode()
    assert 'name="selected"' not in html
    assert viewer_client.get(export_url(certificate), {"format": "csv"}).status_code == 200
    html = viewer_client.get(recipient_action_url("recipient", ada)).content.decode()
    assert "Regenerate token" not in html
