"""Access helpers: every read of an organization's objects goes through these, and a
foreign or missing object is a 404 (Http404), never a 403 that confirms it exists."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.core.ids import looks_like_public_id


def _plausible(public_id: str) -> str:
    if not looks_like_public_id(public_id):
        raise Http404("No such object.")
    return public_id


def organizations_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user_id=user.pk)


def certificate_get_for_org(organization: Organization, public_id: str) -> Certificate:
    certificate = Certificate.objects.filter(
        organization=organization, public_id=_plausible(public_id)
    ).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def recipient_get_for_org(organization: Organization, public_id: str) -> Recipient:
    recipient = (
        Recipient.objects.select_related("certificate")
        .filter(certificate__organization=organization, public_id=_plausible(public_id))
        .first()
    )
    if recipient is None:
        raise Http404("No such recipient.")
    return recipient


def certificate_get_for_user(user: AbstractBaseUser | AnonymousUser, public_id: str) -> Certificate:
    certificate = Certificate.objects.filter(
        organization__in=organizations_for_user(user), public_id=_plausible(public_id)
    ).first()
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def recipient_get_for_user(user: AbstractBaseUser | AnonymousUser, public_id: str) -> Recipient:
    recipient = (
        Recipient.objects.select_related("certificate")
        .filter(
            certificate__organization__in=organizations_for_user(user),
            public_id=_plausible(public_id),
        )
        .first()
    )
    if recipient is None:
        raise Http404("No such recipient.")
    return recipient
