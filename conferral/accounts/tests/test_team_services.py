"""The team services: an invitation stores only its secret's digest and is accepted
once; a newer invitation replaces an older one; a failed email revokes it; the last
owner can be neither demoted nor removed; the current organization is one's own."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from conferral.accounts.models import Invitation, Membership, Organization, Role
from conferral.accounts.selectors import invitation_for_secret, membership_current
from conferral.accounts.services import (
    TeamError,
    invitation_accept,
    invitation_create,
    membership_remove,
    membership_role_change,
    user_create,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _secret(mail: list[Any]) -> str:
    body = str(mail[-1].body)
    return body.split("/invitations/", 1)[1].split("/", 1)[0]


def test_it_stores_only_the_digest_and_accepts_once(
    org: Organization, mailoutbox: list[Any]
) -> None:
    owner = user_create(email="owner@acme.test", password="long enough", organization=org)

    invitation = invitation_create(
        organization=org, email="new@example.org", role=Role.VIEWER, invited_by=owner
    )

    secret = _secret(mailoutbox)
    assert invitation.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert invitation_for_secret(secret) == invitation
    assert invitation_for_secret(secret + "x") is None
    user = invitation_accept(invitation=invitation, password="long enough")
    with pytest.raises(TeamError):
        invitation_accept(invitation=invitation, password="long enough")
    assert Membership.objects.get(user_id=user.pk).role == Role.VIEWER
    assert User.objects.filter(username="new@example.org").count() == 1


def test_it_revokes_an_earlier_invitation_and_refuses_members(
    org: Organization, mailoutbox: list[Any]
) -> None:
    user_create(email="owner@acme.test", password="long enough", organization=org)
    first = invitation_create(
        organization=org, email="n@example.org", role="admin", invited_by=None
    )
    second = invitation_create(
        organization=org, email="N@example.org", role="admin", invited_by=None
    )

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    with pytest.raises(TeamError, match="already a member"):
        invitation_create(organization=org, email="owner@acme.test", role="admin", invited_by=None)
    with pytest.raises(TeamError, match="not an email address"):
        invitation_create(organization=org, email="nobody", role="admin", invited_by=None)


def test_it_revokes_the_invitation_when_its_email_cannot_be_sent(
    org: Organization, settings: Settings
) -> None:
    settings.EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"
    settings.EMAIL_URL = "smtp://127.0.0.1:9?timeout=1"

    with pytest.raises(TeamError, match="could not be sent"):
        invitation_create(organization=org, email="n@example.org", role="viewer", invited_by=None)

    assert Invitation.objects.get().revoked_at is not None


def test_it_keeps_the_last_owner(org: Organization) -> None:
    user_create(email="owner@acme.test", password="long enough", organization=org)
    only = Membership.objects.get()

    with pytest.raises(TeamError, match="last owner"):
        membership_role_change(membership=only, role=Role.ADMIN)
    with pytest.raises(TeamError, match="last owner"):
        membership_remove(membership=only)
    assert Membership.objects.get().role == Role.OWNER


def test_it_falls_back_to_the_first_organization(
    org: Organization, other_org: Organization
) -> None:
    user = user_create(email="ada@example.org", password="long enough", organization=org)
    user_create(email="ada@example.org", password="long enough", organization=other_org)

    chosen = membership_current(user, other_org.public_id)
    fallback = membership_current(user, "not-mine")

    assert chosen is not None
    assert chosen.organization == other_org
    assert fallback is not None
    assert fallback.organization == org
