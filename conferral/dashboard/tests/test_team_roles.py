"""Owners change roles and remove members, and the organization always keeps an owner:
the last owner can be neither demoted nor removed. Admins and viewers see the team but
cannot change it, and nobody reaches another organization's members."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Membership, Organization, Role
from conferral.dashboard.tests.team_support import member_add, signed_in


def _role(membership: Membership) -> str:
    return reverse("dashboard:team_member_role", kwargs={"membership_id": membership.pk})


def _remove(membership: Membership) -> str:
    return reverse("dashboard:team_member_remove", kwargs={"membership_id": membership.pk})


def test_it_lets_an_owner_change_roles_and_remove_members(
    client: Client, org: Organization
) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(org, "ada@acme.test", Role.VIEWER)
    member_add(org, "bob@acme.test", Role.ADMIN)
    ada = Membership.objects.get(user__username="ada@acme.test")
    bob = Membership.objects.get(user__username="bob@acme.test")
    owner = signed_in(client, "owner@acme.test")

    promoted = owner.post(_role(ada), {"role": "admin"}, follow=True)
    removed = owner.post(_remove(bob), follow=True)

    ada.refresh_from_db()
    assert ada.role == Role.ADMIN
    assert "ada@acme.test is now Admin." in promoted.content.decode()
    assert not Membership.objects.filter(pk=bob.pk).exists()
    assert "bob@acme.test is no longer a member" in removed.content.decode()
    assert owner.post(_role(ada), {"role": "emperor"}).status_code == 302
    ada.refresh_from_db()
    assert ada.role == Role.ADMIN


def test_it_keeps_the_last_owner(client: Client, org: Organization) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(org, "ada@acme.test", Role.VIEWER)
    me = Membership.objects.get(user__username="owner@acme.test")
    owner = signed_in(client, "owner@acme.test")

    demoted = owner.post(_role(me), {"role": "viewer"}, follow=True)
    removed = owner.post(_remove(me), follow=True)

    me.refresh_from_db()
    assert me.role == Role.OWNER
    assert "the last owner" in demoted.content.decode()
    assert "the last owner" in removed.content.decode()

    ada = Membership.objects.get(user__username="ada@acme.test")
    owner.post(_role(ada), {"role": "owner"})
    owner.post(_role(me), {"role": "viewer"})
    me.refresh_from_db()
    assert me.role == Role.VIEWER


def test_it_lets_only_owners_change_the_team(client: Client, org: Organization) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(org, "admin@acme.test", Role.ADMIN)
    owner = Membership.objects.get(user__username="owner@acme.test")
    admin = signed_in(client, "admin@acme.test")

    page = admin.get(reverse("dashboard:team"))

    assert page.status_code == 200
    assert "owner@acme.test" in page.content.decode()
    assert _role(owner) not in page.content.decode()
    assert admin.post(_role(owner), {"role": "viewer"}).status_code == 403
    assert admin.post(_remove(owner)).status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_it_answers_404_for_another_organizations_member(
    client: Client, org: Organization, other_org: Organization
) -> None:
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(other_org, "them@other.test", Role.VIEWER)
    theirs = Membership.objects.get(user__username="them@other.test")
    owner = signed_in(client, "owner@acme.test")

    assert owner.post(_role(theirs), {"role": "owner"}).status_code == 404
    assert owner.post(_remove(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.VIEWER
