"""Helpers of the team, role and mailbox tests (plain functions, not fixtures): the
dashboard's URL patterns discovered from conferral/dashboard/urls.py, the placeholder
values for their ids, a member added to an organization, a snapshot of what a request
could change, and the production email backend."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from conferral.accounts.models import Invitation, Membership, Organization, Role
from conferral.accounts.services import user_create
from conferral.certificates.models import Certificate, Event, Recipient
from conferral.dashboard import urls as dashboard_urls
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.models import MailboxMessage, Suppression
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.webhooks.models import Delivery, Endpoint
from conferral.webhooks.services import endpoint_create

PASSWORD = "correct horse battery"
PRODUCTION_EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"

# The URLs that act on the signed-in person, not on an organization (see
# dashboard/access.py PERSONAL_URL_NAMES): a viewer may POST to these.
PERSONAL = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "organization_switch",
    "invitation_accept",
}


@dataclass(frozen=True)
class Route:
    """A dashboard URL pattern: its name and the names of its URL arguments."""

    name: str
    arguments: tuple[str, ...]

    def path(self, values: dict[str, Any]) -> str:
        missing = [argument for argument in self.arguments if argument not in values]
        if missing:
            raise AssertionError(
                f"dashboard:{self.name} takes {', '.join(missing)}, which the team tests "
                "do not know: add a placeholder value for it to "
                "conferral/dashboard/tests/team_support.py organization_objects()."
            )
        return reverse(
            f"dashboard:{self.name}",
            kwargs={argument: values[argument] for argument in self.arguments},
        )


def _patterns(entries: list[URLPattern | URLResolver], prefix: str) -> Iterator[Route]:
    for entry in entries:
        if isinstance(entry, URLResolver):
            nested = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(list(entry.url_patterns), nested)
            continue
        if entry.name is None:
            raise AssertionError(f"the dashboard URL {entry.pattern} has no name")
        converters = getattr(entry.pattern, "converters", {})
        yield Route(prefix + entry.name, tuple(converters))


def dashboard_routes() -> list[Route]:
    """Every URL pattern of conferral/dashboard/urls.py, as it is now."""
    return list(_patterns(list(dashboard_urls.urlpatterns), ""))


def member_add(organization: Organization, email: str, role: str) -> User:
    user = user_create(email=email, password=PASSWORD, organization=organization, role=role)
    assert isinstance(user, User)
    return user


def signed_in(client: Client, email: str) -> Client:
    assert client.login(username=email, password=PASSWORD)
    return client


def invitation_add(
    organization: Organization, email: str, *, secret: str = "", role: str = Role.VIEWER
) -> Invitation:
    """A pending invitation whose secret is `secret` (any, when left out)."""
    secret = secret or secrets.token_urlsafe(16)
    return Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        digest=hashlib.sha256(secret.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(days=7),
    )


def organization_objects(
    organization: Organization, certificate: Certificate, recipient: Recipient
) -> dict[str, Any]:
    """One object of each kind the dashboard's URLs name, all of `organization`: the
    values for the URL arguments. The certificate's emails are sent, so the local
    mailbox holds one of the organization's messages."""
    certificate_send(certificate=certificate)
    deliver_due()
    message = MailboxMessage.objects.filter(organization=organization).first()
    assert message is not None
    membership = Membership.objects.filter(organization=organization).first()
    assert membership is not None
    invitation = invitation_add(organization, "invited@example.org")
    endpoint = endpoint_create(
        organization=organization, url="https://example.org/hooks", event_types=["email.opened"]
    ).endpoint
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type="email.opened",
        recipient=recipient,
        certificate=certificate,
        occurred_at=timezone.now(),
        give_up_at=timezone.now(),
    )
    return {
        "certificate_id": certificate.public_id,
        "recipient_id": recipient.public_id,
        "message_id": message.pk,
        "membership_id": membership.pk,
        "invitation_id": invitation.pk,
        "organization_id": organization.public_id,
        "endpoint_id": endpoint.public_id,
        "delivery_id": delivery.public_id,
    }


def snapshot() -> list[Any]:
    """Everything a dashboard request might change, to compare before and after."""
    return [
        list(Certificate.objects.order_by("pk").values()),
        list(Recipient.objects.order_by("pk").values()),
        Event.objects.count(),
        list(Membership.objects.order_by("pk").values("pk", "role", "organization_id")),
        list(Invitation.objects.order_by("pk").values()),
        MailboxMessage.objects.count(),
        list(User.objects.order_by("pk").values("pk", "password", "email")),
        list(SendingDomain.objects.order_by("pk").values()),
        list(Suppression.objects.order_by("pk").values()),
        list(Endpoint.objects.order_by("pk").values()),
        list(Delivery.objects.order_by("pk").values()),
    ]


def production_email(settings: Settings) -> None:
    """Mail as in production (the test runner swaps in a locmem backend): through the
    configured transport, the local mailbox."""
    settings.EMAIL_URL = "mailbox:"
    settings.EMAIL_BACKEND = PRODUCTION_EMAIL_BACKEND
