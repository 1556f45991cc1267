"""The email to an organization's owners when one of its webhook endpoints was
disabled. Sent like the team's invitations (conferral.accounts.emails): Django's mail
API and the configured transport, marked with the organization so the local mailbox
shows it to its members."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from conferral.accounts.emails import ORGANIZATION_HEADER
from conferral.accounts.models import Membership, Role
from conferral.webhooks.models import Endpoint
from conferral.webhooks.retries import DISABLE_AFTER, DISABLE_AFTER_FAILURES


def endpoint_disabled_email_send(endpoint: Endpoint) -> None:
    owners = list(
        Membership.objects.filter(organization_id=endpoint.organization_id, role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return
    organization = endpoint.organization
    context = {
        "organization": organization.name,
        "url": endpoint.url,
        "description": endpoint.description,
        "failures": DISABLE_AFTER_FAILURES,
        "hours": int(DISABLE_AFTER.total_seconds() // 3600),
        "page": settings.BASE_URL
        + reverse("dashboard:webhooks", kwargs={"organization_id": organization.public_id}),
    }
    subject = " ".join(render_to_string("webhooks/disabled_subject.txt", context).split())
    EmailMessage(
        subject=subject,
        body=render_to_string("webhooks/disabled_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=owners,
        headers={ORGANIZATION_HEADER: organization.public_id},
    ).send(fail_silently=False)
