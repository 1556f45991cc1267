"""Someone who has an account (in another organization) and is signed in with the
invited address joins with one button press: the invitation email is in their own
mailbox, they join with the invited role, and the new organization becomes their
current one."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.accounts.models import Membership, Organization, Role
from conferral.dashboard.tests.team_support import member_add, production_email, signed_in
from conferral.delivery.models import MailboxMessage
from conferral.delivery.selectors import mailbox_message_parts


def test_it_lets_a_signed_in_user_join_another_organization(
    client: Client, org: Organization, other_org: Organization, settings: Settings
) -> None:
    production_email(settings)
    member_add(org, "owner@acme.test", Role.OWNER)
    guest = member_add(other_org, "guest@other.test", Role.OWNER)
    owner = signed_in(client, "owner@acme.test")
    owner.post(reverse("dashboard:team_invite"), {"email": "guest@other.test", "role": "viewer"})
    owner.post(reverse("dashboard:logout"))

    signed_in(client, "guest@other.test")
    mailbox = client.get(reverse("dashboard:mailbox")).content.decode()
    message = MailboxMessage.objects.get(to="guest@other.test")
    assert reverse("dashboard:mailbox_message", kwargs={"message_id": message.pk}) in mailbox
    match = re.search(r"/invitations/[\w-]+/", mailbox_message_parts(message).text)
    assert match is not None

    page = client.get(match.group(0))
    joined = client.post(match.group(0))

    assert page.status_code == 200
    assert joined.status_code == 302
    assert Membership.objects.get(organization=org, user=guest).role == Role.VIEWER
    team = client.get(reverse("dashboard:team")).content.decode()
    assert "Acme Academy" in team
    assert client.post(match.group(0)).status_code == 410
