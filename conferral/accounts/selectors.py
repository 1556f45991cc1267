"""Reads of accounts: the organizations a user belongs to (the certificates app's
access helpers start from these)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from conferral.accounts.models import Organization


def organizations_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user_id=user.pk)
