"""Organizations, members, invitations and API keys."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.accounts.emails import invitation_email_send
from conferral.accounts.models import ApiKey, Invitation, Membership, Organization, Role

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "cfk_"
INVITATION_SECRET_BYTES = 32
INVITATION_LIFETIME = timedelta(days=7)


def organization_get_or_create(*, name: str) -> Organization:
    organization, _created = Organization.objects.get_or_create(name=name.strip())
    return organization


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def secret_digest(secret: str) -> str:
    """The SHA-256 digest stored for an API key or an invitation's secret."""
    return _digest(secret)


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


class TeamError(Exception):
    """A change to a team that is refused; the message says why, for the person asking."""


def _owners_left(organization: Organization, *, without: Membership) -> int:
    return (
        Membership.objects.filter(organization=organization, role=Role.OWNER)
        .exclude(pk=without.pk)
        .count()
    )


def _lock(organization: Organization) -> None:
    """Serialize team changes of one organization (the last-owner rule reads, then
    writes): a row lock on PostgreSQL; SQLite's IMMEDIATE transactions already queue
    writers."""
    list(Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk"))


def membership_role_change(*, membership: Membership, role: str) -> Membership:
    """Give a member another role; the organization's last owner stays an owner."""
    if role not in Role.values:
        raise TeamError(_("Choose one of the roles owner, admin or viewer."))
    with transaction.atomic():
        _lock(membership.organization)
        membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
        if (
            membership.role == Role.OWNER
            and role != Role.OWNER
            and not _owners_left(membership.organization, without=membership)
        ):
            raise TeamError(
                _("%(email)s is the last owner. Make someone else an owner first.")
                % {"email": membership.user.get_username()}
            )
        Membership.objects.filter(pk=membership.pk).update(role=role)
        membership.role = role
    return membership


def membership_remove(*, membership: Membership) -> None:
    """Take a member out of the organization; never its last owner."""
    with transaction.atomic():
        _lock(membership.organization)
        membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
        if membership.role == Role.OWNER and not _owners_left(
            membership.organization, without=membership
        ):
            raise TeamError(
                _("%(email)s is the last owner and cannot be removed.")
                % {"email": membership.user.get_username()}
            )
        membership.delete()


def _email_normalize(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise TeamError(_("“%(email)s” is not an email address.") % {"email": email}) from error
    return email


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    invited_by: AbstractBaseUser | None,
) -> Invitation:
    """Invite someone by email: the invitation is stored (only its secret's digest) and
    its email goes out through the configured mail transport. An earlier pending
    invitation of the same address is revoked, so only the newest link works. If the
    email cannot be sent, the invitation is revoked and TeamError says why."""
    email = _email_normalize(email)
    if role not in Role.values:
        raise TeamError(_("Choose one of the roles owner, admin or viewer."))
    if Membership.objects.filter(organization=organization, user__username=email).exists():
        raise TeamError(_("%(email)s is already a member.") % {"email": email})
    secret = secrets.token_urlsafe(INVITATION_SECRET_BYTES)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            organization=organization,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            digest=_digest(secret),
            invited_by_id=invited_by.pk if invited_by is not None else None,
            expires_at=now + INVITATION_LIFETIME,
        )
    try:
        invitation_email_send(invitation, secret)
    except Exception as error:
        logger.warning("could not send the invitation %s: %s", invitation.pk, error)
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        raise TeamError(
            _("The invitation email could not be sent (%(reason)s). Nobody was invited.")
            % {"reason": str(error) or type(error).__name__}
        ) from error
    return invitation


def invitation_revoke(*, invitation: Invitation) -> bool:
    """Revoke a pending invitation; False when it was already used or revoked."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )


def invitation_accept(
    *, invitation: Invitation, user: AbstractBaseUser | None = None, password: str = ""
) -> AbstractBaseUser:
    """Accept an invitation once: `user` (signed in, with the invited address) joins,
    or, without a user, a new account with `password` is created for the invited
    address. The conditional UPDATE makes a second acceptance fail, also when two
    arrive at once."""
    User = get_user_model()
    with transaction.atomic():
        accepted = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(accepted_at=timezone.now())
        if not accepted:
            raise TeamError(_("This invitation has expired, was revoked or was already used."))
        if user is None:
            if User.objects.filter(username=invitation.email).exists():
                raise TeamError(
                    _("An account for %(email)s exists already: sign in to accept.")
                    % {"email": invitation.email}
                )
            user = User.objects.create_user(
                username=invitation.email, email=invitation.email, password=password
            )
        elif user.get_username().lower() != invitation.email:
            raise TeamError(
                _("This invitation is for %(email)s; you are signed in as %(user)s.")
                % {"email": invitation.email, "user": user.get_username()}
            )
        _membership, created = Membership.objects.get_or_create(
            organization=invitation.organization,
            user_id=user.pk,
            defaults={"role": invitation.role},
        )
        if not created:
            raise TeamError(
                _("You are a member of %(organization)s already.")
                % {"organization": invitation.organization.name}
            )
    return user
