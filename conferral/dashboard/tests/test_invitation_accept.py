"""An owner invites someone by email: the invitation goes out through the configured
transport (here the local mailbox, where the owner sees it), only the SHA-256 digest
of its secret is stored, and the link is accepted once: a new person sets a password,
joins with the invited role and is signed in; the same link then no longer works."""

from __future__ import annotations

import hashlib
import re

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.accounts.models import Invitation, Membership, Organization, Role
from conferral.dashboard.tests.team_support import (
    invitation_add,
    member_add,
    production_email,
    signed_in,
)
from conferral.delivery.models import MailboxMessage
from conferral.delivery.selectors import mailbox_message_parts

LINK = re.compile(r"https?://\S+/invitations/(?P<secret>[\w-]+)/")


def test_it_sends_an_invitation_that_is_accepted_once(
    client: Client, org: Organization, settings: Settings
) -> None:
    production_email(settings)
    member_add(org, "owner@acme.test", Role.OWNER)
    owner = signed_in(client, "owner@acme.test")

    response = owner.post(
        reverse("dashboard:team_invite"), {"email": " New.Person@Example.org ", "role": "admin"}
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("new.person@example.org", Role.ADMIN)
    stored = MailboxMessage.objects.get()
    assert (stored.to, stored.organization_id) == ("new.person@example.org", org.pk)
    parts = mailbox_message_parts(stored)
    assert "Acme Academy" in parts.subject
    match = LINK.search(parts.text)
    assert match is not None
    secret = match.group("secret")
    assert match.group(0) in parts.html
    assert invitation.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(Invitation.objects.values()))
    mailbox = owner.get(reverse("dashboard:mailbox")).content.decode()
    assert reverse("dashboard:mailbox_message", kwargs={"message_id": stored.pk}) in mailbox
    assert "new.person@example.org" in owner.get(reverse("dashboard:team")).content.decode()

    owner.post(reverse("dashboard:logout"))
    link = reverse("dashboard:invitation_accept", kwargs={"secret": secret})
    page = client.get(link)
    assert page.status_code == 200
    assert "Acme Academy" in page.content.decode()

    joined = client.post(
        link, {"password1": "a long new password", "password2": "a long new password"}
    )

    assert joined.status_code == 302
    assert joined["Location"] == reverse("dashboard:home")
    user = User.objects.get(username="new.person@example.org")
    assert user.check_password("a long new password")
    assert Membership.objects.get(user=user).role == Role.ADMIN
    assert client.get(reverse("dashboard:team")).status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    client.post(reverse("dashboard:logout"))
    again = client.post(link, {"password1": "another password!", "password2": "another password!"})
    assert again.status_code == 410
    assert User.objects.filter(username="new.person@example.org").count() == 1
    user.refresh_from_db()
    assert user.check_password("a long new password")


def test_it_refuses_passwords_that_differ_or_are_too_short(
    client: Client, org: Organization
) -> None:
    invitation_add(org, "new@example.org", secret="the-secret")
    link = reverse("dashboard:invitation_accept", kwargs={"secret": "the-secret"})

    differ = client.post(link, {"password1": "long enough one", "password2": "long enough two"})
    short = client.post(link, {"password1": "short", "password2": "short"})

    assert differ.status_code == short.status_code == 400
    assert not User.objects.filter(username="new@example.org").exists()
    assert Invitation.objects.get().accepted_at is None
