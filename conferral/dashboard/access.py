"""Who may change what in the dashboard: viewers see, owners and admins act."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from conferral.accounts.models import Membership, Organization, Role

EDITOR_ROLES = [Role.OWNER, Role.ADMIN]


def user_can_edit(user: AbstractBaseUser | AnonymousUser, organization: Organization) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user_id=user.pk, organization=organization, role__in=EDITOR_ROLES
        ).exists()
    )


def require_editor(user: AbstractBaseUser | AnonymousUser, organization: Organization) -> None:
    if not user_can_edit(user, organization):
        raise PermissionDenied(_("Viewers cannot send emails or add recipients."))
