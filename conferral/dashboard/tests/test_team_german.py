"""The team pages, the invitation and the password reset speak German to a German
browser, and the invitation email goes out in the inviting owner's language."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.dashboard.tests.team_support import (
    invitation_add,
    member_add,
    production_email,
    signed_in,
)
from conferral.delivery.models import MailboxMessage
from conferral.delivery.selectors import mailbox_message_parts


def test_it_speaks_german_on_the_team_pages(
    client: Client, org: Organization, settings: Settings
) -> None:
    production_email(settings)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    member_add(org, "owner@acme.test", Role.OWNER)
    invitation_add(org, "neu@example.org", secret="geheim")

    reset = client.get(reverse("dashboard:password_reset")).content.decode()
    invitation = client.get(
        reverse("dashboard:invitation_accept", kwargs={"secret": "geheim"})
    ).content.decode()
    owner = signed_in(client, "owner@acme.test")
    team = owner.get(reverse("dashboard:team")).content.decode()
    owner.post(reverse("dashboard:team_invite"), {"email": "kollegin@example.org", "role": "admin"})

    assert "Passwort zurücksetzen" in reset
    assert "Acme Academy beitreten" in invitation
    assert "Konto anlegen und beitreten" in invitation
    assert "Mitglieder" in team
    assert "Jemanden einladen" in team
    assert "Inhaber" in team
    parts = mailbox_message_parts(MailboxMessage.objects.get(to="kollegin@example.org"))
    assert parts.subject == "Einladung zu Acme Academy auf Conferral"
    assert "als Administrator beizutreten" in parts.text
