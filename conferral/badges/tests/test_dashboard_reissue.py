"""The dashboard's "Reissue Open Badge" button on a recipient's page."""

from __future__ import annotations

from django.test import Client

from conferral.accounts.models import Membership, Role
from conferral.badges.issuing import badge_current
from conferral.badges.models import BadgeCredential
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Recipient


def _url(recipient: Recipient) -> str:
    return f"/recipients/{recipient.public_id}/badge/reissue/"


def test_it_replaces_the_credential_on_a_reissue_from_the_dashboard(
    user_client: Client, recipient: Recipient
) -> None:
    old = badge_current(recipient)
    page = user_client.get(f"/recipients/{recipient.public_id}/").content.decode()
    assert "Reissue Open Badge" in page

    response = user_client.post(_url(recipient), {"reason": "Name corrected"}, follow=True)

    assert "The Open Badge was reissued under a new id." in response.content.decode()
    old.refresh_from_db()
    assert old.replaced_by is not None
    assert badge_current(recipient).pk == old.replaced_by.pk


def test_it_does_not_reissue_a_revoked_credential(
    user_client: Client, recipient: Recipient
) -> None:
    recipient_revoke(recipient=recipient, reason="Mistake")

    response = user_client.post(_url(recipient), follow=True)

    assert "revoked" in response.content.decode()
    assert not BadgeCredential.objects.exists()


def test_it_lets_no_viewer_reissue(user_client: Client, recipient: Recipient) -> None:
    Membership.objects.update(role=Role.VIEWER)

    assert user_client.post(_url(recipient)).status_code == 403
    assert not BadgeCredential.objects.exists()
