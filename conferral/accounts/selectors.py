"""Reads of accounts: the organizations a user belongs to (the certificates app's
access helpers start from these), the current organization among them, a team's
members and pending invitations, and an invitation found by its secret."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from conferral.accounts.models import Invitation, Membership, Organization, Role


def organizations_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user_id=user.pk)


def organizations_owned_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organization]:
    """The organizations in which the user is an owner."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user_id=user.pk, memberships__role=Role.OWNER)


def memberships_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    """The user's memberships with their organizations, by organization name."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user_id=user.pk)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def membership_current(
    user: AbstractBaseUser | AnonymousUser, organization_public_id: str | None
) -> Membership | None:
    """The membership of the organization the user chose (`organization_public_id`,
    e.g. kept in the session), or their first organization by name when that is no
    longer (or never was) one of theirs; None for a user without an organization."""
    memberships = list(memberships_for_user(user))
    for membership in memberships:
        if membership.organization.public_id == organization_public_id:
            return membership
    return memberships[0] if memberships else None


def organization_members(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username", "pk")
    )


def organization_owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


def invitations_pending(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not accepted, not revoked and not expired, newest first."""
    return (
        Invitation.objects.filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_for_secret(secret: str) -> Invitation | None:
    """The invitation whose secret this is, in whatever state (the caller says whether
    it can still be accepted); None for a wrong secret."""
    if not secret or len(secret) > 200:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return Invitation.objects.select_related("organization").filter(digest=digest).first()


def invitation_usable(invitation: Invitation) -> bool:
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > timezone.now()
    )
