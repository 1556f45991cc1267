"""Organizations, members and API keys."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from conferral.accounts.models import ApiKey, Membership, Organization, Role

API_KEY_PREFIX = "cfk_"


def organization_get_or_create(*, name: str) -> Organization:
    organization, _created = Organization.objects.get_or_create(name=name.strip())
    return organization


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def apikey_create(*, organization: Organization, name: str = "") -> str:
    """Create an API key and return it; only its digest is stored, so this is the one
    time the key can be seen."""
    secret = secrets.token_urlsafe(32)
    raw_key = f"{API_KEY_PREFIX}{secret}"
    ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        digest=_digest(raw_key),
    )
    return raw_key


def apikey_authenticate(raw_key: str) -> Organization | None:
    if not raw_key.startswith(API_KEY_PREFIX):
        return None
    key = (
        ApiKey.objects.select_related("organization")
        .filter(digest=_digest(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.organization


def user_create(
    *, email: str, password: str, organization: Organization, role: str = Role.OWNER
) -> AbstractBaseUser:
    """Create a dashboard user (or reset an existing one's password) in an organization."""
    User = get_user_model()
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(username=email).first()
        if user is None:
            user = User.objects.create_user(username=email, email=email, password=password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return user
