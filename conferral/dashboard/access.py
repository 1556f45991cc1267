"""Who may change what in the dashboard: viewers see, owners and admins act, owners
manage the team; and which organization the user is working in.

The current organization is kept in the session (a user may belong to several) and is
always one of the user's own; the certificate list and the team page show it.

`ViewerMiddleware` enforces the roles on every POST (every method but GET, HEAD and
OPTIONS) to a dashboard URL, before the view runs: only an owner or admin of the
current organization gets through, so a view that forgets `require_editor` still
changes nothing for a viewer. The views check the object's own organization on top
(`require_editor`, `require_owner`). The few URLs that act on the signed-in person
rather than on an organization (signing in and out, resetting one's password,
switching the organization, accepting an invitation) are listed in
`PERSONAL_URL_NAMES`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from conferral.accounts.models import Membership, Organization, Role
from conferral.accounts.selectors import membership_current, memberships_for_user

EDITOR_ROLES = [Role.OWNER, Role.ADMIN]
SESSION_ORGANIZATION = "conferral_organization"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PERSONAL_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "organization_switch",
        "invitation_accept",
    }
)


def organization_for_member(
    request: HttpRequest, organization_id: str
) -> tuple[Organization, bool]:
    """The user's organization with this public id, and whether they may change it; a
    404 for one they do not belong to."""
    membership = (
        memberships_for_user(request.user).filter(organization__public_id=organization_id).first()
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership.organization, membership.role in EDITOR_ROLES


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


def user_is_owner(user: AbstractBaseUser | AnonymousUser, organization: Organization) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user_id=user.pk, organization=organization, role=Role.OWNER
        ).exists()
    )


def require_owner(user: AbstractBaseUser | AnonymousUser, organization: Organization) -> None:
    if not user_is_owner(user, organization):
        raise PermissionDenied(_("Only owners can manage the team."))


def current_membership(request: HttpRequest) -> Membership | None:
    """The user's membership of the organization they work in (cached per request)."""
    cached: Membership | bool | None = getattr(request, "_conferral_membership", False)
    if cached is not False:
        return cached if isinstance(cached, Membership) else None
    membership = membership_current(request.user, request.session.get(SESSION_ORGANIZATION))
    request._conferral_membership = membership  # type: ignore[attr-defined]
    return membership


def current_organization(request: HttpRequest) -> Organization | None:
    membership = current_membership(request)
    return membership.organization if membership is not None else None


def organization_choose(request: HttpRequest, organization: Organization) -> None:
    """Make one of the user's organizations the current one."""
    request.session[SESSION_ORGANIZATION] = organization.public_id
    if hasattr(request, "_conferral_membership"):
        del request._conferral_membership


class ViewerMiddleware:
    """Refuse (403) every unsafe request to a dashboard URL from a signed-in user who is
    not an owner or admin of their current organization."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        if (
            request.method in SAFE_METHODS
            or match is None
            or match.namespace != "dashboard"
            or match.url_name in PERSONAL_URL_NAMES
            or not request.user.is_authenticated
        ):
            return
        membership = current_membership(request)
        if membership is None or membership.role not in EDITOR_ROLES:
            raise PermissionDenied(_("Viewers can look at everything but change nothing."))
