"""Reads for the issuer's screens (the dashboard and the command line); access is
checked before these are called (conferral.accounts.selectors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from conferral.accounts.selectors import organizations_for_user
from conferral.certificates.models import Certificate, EmailStatus, Recipient

DELIVERED_STATUSES = [EmailStatus.DELIVERED, EmailStatus.OPENED, EmailStatus.CLICKED]
IN_FLIGHT_STATUSES = [EmailStatus.SCHEDULED, EmailStatus.SENDING]


def certificates_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Certificate]:
    """The certificates of every organization the user belongs to, newest first, each
    with `recipients_count`."""
    return (
        Certificate.objects.filter(organization__in=organizations_for_user(user))
        .select_related("organization")
        .annotate(recipients_count=Count("recipients"))
        .order_by("-created_at", "-id")
    )


def certificate_sendable_count(certificate: Certificate) -> int:
    """How many recipients *Send emails* would queue: not sent yet, with an address,
    not revoked."""
    return Recipient.objects.filter(
        certificate=certificate, email_status=EmailStatus.NOT_SENT, revoked_at__isnull=True
    ).count()


@dataclass(frozen=True)
class SendProgress:
    """Where a certificate's sending stands. `due`: queued and due now, or being sent;
    `retrying`: deferred by the receiving server, waiting for the next attempt;
    `later`: scheduled for a time still to come."""

    due: int
    retrying: int
    later: int
    delivered: int
    bounced: int

    @property
    def pending(self) -> int:
        return self.due + self.retrying


def certificate_send_progress(certificate: Certificate) -> SendProgress:
    now = timezone.now()
    waiting = Q(next_attempt_at__gt=now)
    counts = Recipient.objects.filter(certificate=certificate).aggregate(
        due=Count("pk", filter=Q(email_status__in=IN_FLIGHT_STATUSES) & ~waiting),
        retrying=Count("pk", filter=Q(email_status=EmailStatus.SENDING) & waiting),
        later=Count("pk", filter=Q(email_status=EmailStatus.SCHEDULED) & waiting),
        delivered=Count("pk", filter=Q(email_status__in=DELIVERED_STATUSES)),
        bounced=Count("pk", filter=Q(email_status=EmailStatus.BOUNCED)),
    )
    return SendProgress(**counts)
