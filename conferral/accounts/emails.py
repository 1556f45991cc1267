"""The emails of accounts: an invitation to join an organization.

They are sent with Django's mail API; settings.EMAIL_BACKEND hands them to the
configured mail transport (CONFERRAL_EMAIL_URL), so with no mail settings they land in
the local mailbox. Two marks tell the local mailbox who may read such a message there:
the organization concerned (`ORGANIZATION_HEADER`, removed before the message is
stored or sent) and, for invitations, a Message-ID starting with
`INVITATION_MESSAGE_ID_PREFIX` (only the organization's owners and the addressee see
those: the link in it lets anyone who reads it join)."""

from __future__ import annotations

import secrets
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

if TYPE_CHECKING:
    from conferral.accounts.models import Invitation

ORGANIZATION_HEADER = "X-Conferral-Organization"
INVITATION_MESSAGE_ID_PREFIX = "<invitation."


def invitation_url(secret: str) -> str:
    return settings.BASE_URL + reverse("dashboard:invitation_accept", kwargs={"secret": secret})


def invitation_email_send(invitation: Invitation, secret: str) -> None:
    """Send the invitation, in the active language; raises when it cannot be sent."""
    context = {
        "organization": invitation.organization.name,
        "role": invitation.get_role_display(),
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "",
        "url": invitation_url(secret),
        "expires_at": invitation.expires_at,
    }
    subject = " ".join(render_to_string("accounts/invitation_subject.txt", context).split())
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("accounts/invitation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={
            "Message-ID": f"{INVITATION_MESSAGE_ID_PREFIX}{secrets.token_hex(12)}@{domain}>",
            ORGANIZATION_HEADER: invitation.organization.public_id,
        },
    )
    message.attach_alternative(
        render_to_string("accounts/invitation_email.html", context), "text/html"
    )
    message.send(fail_silently=False)
