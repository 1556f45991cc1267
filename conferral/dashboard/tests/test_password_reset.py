"""Password reset by email with Django's views in the dashboard's layout: the email goes
through the configured transport (the local mailbox, where only its addressee sees it,
or an SMTP server), its link sets a new password once, and an unknown address is not
revealed."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.dashboard.tests.team_support import (
    PRODUCTION_EMAIL_BACKEND,
    member_add,
    production_email,
    signed_in,
)
from conferral.delivery.models import MailboxMessage
from conferral.delivery.selectors import mailbox_message_parts, mailbox_messages
from conferral.testing.smtp import SmtpServer

LINK = re.compile(r"https?://\S+(?P<path>/password-reset/[\w-]+/[\w-]+/)")


def test_it_resets_a_password_through_the_emailed_link(
    client: Client, org: Organization, settings: Settings
) -> None:
    production_email(settings)
    ada = member_add(org, "ada@acme.test", Role.VIEWER)
    colleague = member_add(org, "owner@acme.test", Role.OWNER)

    form = client.get(reverse("dashboard:password_reset"))
    asked = client.post(reverse("dashboard:password_reset"), {"email": "ADA@acme.test"})
    unknown = client.post(reverse("dashboard:password_reset"), {"email": "nobody@acme.test"})

    assert form.status_code == 200
    assert 'class="card narrow"' in form.content.decode()
    assert asked.status_code == unknown.status_code == 302
    assert asked["Location"] == unknown["Location"] == reverse("dashboard:password_reset_done")
    stored = MailboxMessage.objects.get()
    assert (stored.to, stored.organization_id) == ("ada@acme.test", None)
    assert list(mailbox_messages(ada).object_list) == [stored]
    assert list(mailbox_messages(colleague).object_list) == []
    parts = mailbox_message_parts(stored)
    match = LINK.search(parts.text)
    assert match is not None
    assert match.group(0) in parts.html

    landing = client.get(match.group("path"), follow=True)
    assert landing.status_code == 200
    confirm_path = landing.redirect_chain[-1][0]
    saved = client.post(
        confirm_path,
        {"new_password1": "a brand new password", "new_password2": "a brand new password"},
    )

    assert saved.status_code == 302
    assert saved["Location"] == reverse("dashboard:password_reset_complete")
    ada.refresh_from_db()
    assert ada.check_password("a brand new password")
    again = client.get(match.group("path"), follow=True)
    assert "This link does not work any more" in again.content.decode()
    assert signed_in(Client(), "owner@acme.test") is not None


def test_it_sends_the_reset_through_the_configured_smtp_server(
    client: Client, org: Organization, settings: Settings, smtp: SmtpServer
) -> None:
    settings.EMAIL_BACKEND = PRODUCTION_EMAIL_BACKEND
    member_add(org, "ada@acme.test", Role.OWNER)

    client.post(reverse("dashboard:password_reset"), {"email": "ada@acme.test"})

    (received,) = smtp.received_by("ada@acme.test")
    assert "Reset your Conferral password" in str(received.message["Subject"])
    assert "X-Conferral-Organization" not in received.message
    assert not MailboxMessage.objects.exists()
    assert User.objects.get(username="ada@acme.test").has_usable_password()


def test_it_offers_the_reset_on_the_sign_in_page(client: Client) -> None:
    page = client.get(reverse("dashboard:login")).content.decode()

    assert reverse("dashboard:password_reset") in page
