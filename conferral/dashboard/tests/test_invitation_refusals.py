"""An invitation link that cannot be used says so and changes nothing: a wrong secret
(404), an expired, revoked or used invitation (410), an invitation for another
address than the signed-in user's (403), and an invited address that has an account
already (sign in first: no password is set through the link). Only owners invite and
revoke."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.accounts.models import Invitation, Membership, Organization, Role
from conferral.dashboard.tests.team_support import invitation_add, member_add, signed_in

FORM = {"password1": "a long new password", "password2": "a long new password"}


def _link(secret: str) -> str:
    return reverse("dashboard:invitation_accept", kwargs={"secret": secret})


def test_it_answers_404_for_a_wrong_secret(client: Client, org: Organization) -> None:
    invitation_add(org, "new@example.org", secret="right")

    assert client.get(_link("wrong")).status_code == 404
    assert client.post(_link("wrong"), FORM).status_code == 404
    assert not User.objects.exists()


def test_it_refuses_an_expired_invitation(client: Client, org: Organization) -> None:
    invitation = invitation_add(org, "new@example.org", secret="old")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    page = client.get(_link("old"))

    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert client.post(_link("old"), FORM).status_code == 410
    assert not User.objects.exists()


def test_it_refuses_a_revoked_invitation(client: Client, org: Organization) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    invitation = invitation_add(org, "new@example.org", secret="gone")
    owner = signed_in(client, "owner@acme.test")

    revoked = owner.post(
        reverse("dashboard:team_invitation_revoke", kwargs={"invitation_id": invitation.pk})
    )

    assert revoked.status_code == 302
    owner.post(reverse("dashboard:logout"))
    assert client.post(_link("gone"), FORM).status_code == 410
    assert not User.objects.filter(username="new@example.org").exists()


def test_it_refuses_an_invitation_for_someone_else(client: Client, org: Organization) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    invitation_add(org, "new@example.org", secret="theirs")
    signed_in(client, "owner@acme.test")

    assert client.get(_link("theirs")).status_code == 403
    assert client.post(_link("theirs")).status_code == 403
    assert Invitation.objects.get().accepted_at is None


def test_it_asks_an_existing_account_to_sign_in_first(
    client: Client, org: Organization, other_org: Organization
) -> None:
    existing = member_add(other_org, "known@example.org", Role.OWNER)
    invitation_add(org, "known@example.org", secret="known")

    page = client.get(_link("known"))
    posted = client.post(_link("known"), FORM)

    assert page.status_code == posted.status_code == 200
    assert reverse("dashboard:login") in page.content.decode()
    existing.refresh_from_db()
    assert not existing.check_password(FORM["password1"])
    assert not Membership.objects.filter(organization=org, user=existing).exists()


def test_it_lets_only_owners_invite_and_revoke(client: Client, org: Organization) -> None:
    member_add(org, "admin@acme.test", Role.ADMIN)
    invitation = invitation_add(org, "new@example.org")
    admin = signed_in(client, "admin@acme.test")

    invite = admin.post(
        reverse("dashboard:team_invite"), {"email": "x@example.org", "role": "owner"}
    )
    revoke = admin.post(
        reverse("dashboard:team_invitation_revoke", kwargs={"invitation_id": invitation.pk})
    )

    assert invite.status_code == revoke.status_code == 403
    assert Invitation.objects.get().revoked_at is None
    team = admin.get(reverse("dashboard:team")).content.decode()
    assert "new@example.org" in team
    assert (
        reverse("dashboard:team_invitation_revoke", kwargs={"invitation_id": invitation.pk})
        not in team
    )
    assert reverse("dashboard:team_invite") not in team
