"""The local mailbox shows each user only the messages of their own organizations: a
certificate's emails to its organization's members, an invitation to the
organization's owners and its addressee, system mail (no organization, such as a
password reset) only to its addressee. Another's message is a 404."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.dashboard.tests.team_support import member_add, production_email, signed_in
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send


def _visible(client: Client) -> set[int]:
    page = client.get(reverse("dashboard:mailbox")).content.decode()
    return {
        message.pk
        for message in MailboxMessage.objects.all()
        if reverse("dashboard:mailbox_message", kwargs={"message_id": message.pk}) in page
    }


def test_it_shows_each_user_only_their_organizations_messages(
    client: Client,
    org: Organization,
    other_org: Organization,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    settings: Settings,
) -> None:
    production_email(settings)
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(org, "viewer@acme.test", Role.VIEWER)
    member_add(other_org, "them@other.test", Role.OWNER)
    add_recipients(("Ada Lovelace", "ada@example.com"))
    theirs = certificate_create(organization=other_org, name="Their Course")
    recipients_add(certificate=theirs, rows=[RawRow(1, "Bo", "bo@example.com")])
    certificate_send(certificate=certificate)
    certificate_send(certificate=theirs)
    deliver_due()
    owner = signed_in(client, "owner@acme.test")
    owner.post(reverse("dashboard:team_invite"), {"email": "them@other.test", "role": "viewer"})
    EmailMessage("System", "Body", "c@example.com", ["viewer@acme.test"]).send()
    ours = MailboxMessage.objects.get(to="ada@example.com")
    other = MailboxMessage.objects.get(to="bo@example.com")
    invitation = MailboxMessage.objects.get(to="them@other.test")
    system = MailboxMessage.objects.get(to="viewer@acme.test")
    assert (ours.organization_id, other.organization_id) == (org.pk, other_org.pk)
    assert (invitation.organization_id, system.organization_id) == (org.pk, None)

    assert _visible(owner) == {ours.pk, invitation.pk}
    signed_in(client, "viewer@acme.test")
    assert _visible(client) == {ours.pk, system.pk}
    for message in (other, invitation):
        for name in ("dashboard:mailbox_message", "dashboard:mailbox_message_html"):
            path = reverse(name, kwargs={"message_id": message.pk})
            assert client.get(path).status_code == 404, path
    signed_in(client, "them@other.test")
    assert _visible(client) == {other.pk, invitation.pk}
    assert (
        client.get(reverse("dashboard:mailbox_message", kwargs={"message_id": ours.pk})).status_code
        == 404
    )
