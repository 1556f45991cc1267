"""The "find my credentials" email: one email to an address listing the links to every
credential of this installation issued to it.

The page only enqueues `credentials_list_send`, whatever the address, so its answer
and its time are the same for a known address and an unknown one; the task sends
nothing at all to an address that has no credential. Revoked credentials are left out,
and so are those of certificates not published yet."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from conferral.certificates.links import recipient_url
from conferral.certificates.models import CertificateState, Channel, Recipient

LIST_MAX = 200


def credentials_of_email(email: str) -> list[Recipient]:
    return list(
        Recipient.objects.filter(
            email__iexact=email.strip(),
            revoked_at__isnull=True,
            certificate__state=CertificateState.PUBLISHED,
        )
        .select_related("certificate__organization")
        .order_by("-created_at")[:LIST_MAX]
    )


def credentials_list_email(email: str) -> EmailMultiAlternatives | None:
    """The email listing the address's credentials; None when it has none."""
    recipients = credentials_of_email(email)
    if not recipients:
        return None
    context = {
        "items": [
            {
                "name": recipient.certificate.name,
                "issuer": recipient.certificate.organization.name,
                "url": recipient_url(recipient, Channel.EMAIL),
            }
            for recipient in recipients
        ],
        "find_url": settings.BASE_URL + reverse("badges:find"),
    }
    message = EmailMultiAlternatives(
        subject=_("Your credentials"),
        body=render_to_string("badges/find_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.strip()],
    )
    message.attach_alternative(render_to_string("badges/find_email.html", context), "text/html")
    return message


@task()
def credentials_list_send(email: str) -> bool:
    """Send the list to `email` if it has credentials; True if an email went out."""
    message = credentials_list_email(email)
    if message is None:
        return False
    message.send(fail_silently=False)
    return True
