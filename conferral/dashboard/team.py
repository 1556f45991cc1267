"""The team of the current organization: its members and their roles, pending
invitations; inviting by email, changing roles, removing members, revoking invitations
(owners only: `require_owner`; the last owner stays); accepting an invitation;
switching between one's organizations; resetting one's password by email. Members and
invitations are looked up within the current organization: another organization's are
a 404."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from conferral.accounts.models import Invitation, Membership, Organization, Role
from conferral.accounts.selectors import (
    invitation_for_secret,
    invitation_usable,
    invitations_pending,
    memberships_for_user,
    organization_members,
    organization_owner_count,
)
from conferral.accounts.services import (
    TeamError,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_remove,
    membership_role_change,
)
from conferral.core.throttle import throttle_address
from conferral.core.throttle_views import ThrottledPasswordResetView, hits_refusal
from conferral.dashboard.access import (
    current_membership,
    organization_choose,
    require_owner,
)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)


class PasswordForm(forms.Form):
    """The password of a new account, typed twice."""

    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            try:
                validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def _organization(request: HttpRequest) -> tuple[Organization, Membership]:
    membership = current_membership(request)
    if membership is None:
        raise Http404("You do not belong to an organization.")
    return membership.organization, membership


def _team_page(
    request: HttpRequest, *, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    organization, membership = _organization(request)
    is_owner = membership.role == Role.OWNER
    context = {
        "organization": organization,
        "membership": membership,
        "is_owner": is_owner,
        "members": organization_members(organization),
        "owners": organization_owner_count(organization),
        "invitations": invitations_pending(organization),
        "invite_form": invite_form or InviteForm(),
        "roles": Role.choices,
    }
    return render(request, "dashboard/team.html", context, status=status)


@login_required
@require_safe
def team(request: HttpRequest) -> HttpResponse:
    """The current organization's members and pending invitations; owners manage them."""
    return _team_page(request)


@login_required
@require_POST
def team_invite(request: HttpRequest) -> HttpResponse:
    organization, _membership = _organization(request)
    require_owner(request.user, organization)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form, status=400)
    refused = hits_refusal(
        request,
        [
            ("invite_address", throttle_address(request)),
            ("invite_email", str(form.cleaned_data["email"]).strip().lower()),
        ],
    )
    if refused is not None:
        return refused
    try:
        invitation = invitation_create(
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user if request.user.is_authenticated else None,
        )
    except TeamError as error:
        form.add_error("email", str(error))
        return _team_page(request, invite_form=form, status=400)
    messages.success(
        request,
        _("An invitation was sent to %(email)s. Its link works once, for 7 days.")
        % {"email": invitation.email},
    )
    return redirect("dashboard:team")


def _member(request: HttpRequest, membership_id: int) -> Membership:
    organization, _membership = _organization(request)
    require_owner(request.user, organization)
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        pk=membership_id,
        organization=organization,
    )


@login_required
@require_POST
def team_member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    member = _member(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles owner, admin or viewer."))
        return redirect("dashboard:team")
    try:
        member = membership_role_change(membership=member, role=form.cleaned_data["role"])
    except TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": member.user.get_username(), "role": member.get_role_display()},
        )
    return redirect("dashboard:team")


@login_required
@require_POST
def team_member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    member = _member(request, membership_id)
    email = member.user.get_username()
    organization = member.organization
    try:
        membership_remove(membership=member)
    except TeamError as error:
        messages.error(request, str(error))
        return redirect("dashboard:team")
    messages.success(
        request,
        _("%(email)s is no longer a member of %(organization)s.")
        % {"email": email, "organization": organization.name},
    )
    if member.user_id == request.user.pk:
        return redirect("dashboard:home")
    return redirect("dashboard:team")


@login_required
@require_POST
def team_invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    organization, _membership = _organization(request)
    require_owner(request.user, organization)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    if invitation_revoke(invitation=invitation):
        messages.success(
            request,
            _("The invitation of %(email)s was revoked; its link no longer works.")
            % {"email": invitation.email},
        )
    else:
        messages.error(request, _("That invitation was already used or revoked."))
    return redirect("dashboard:team")


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organizations the current one."""
    wanted = request.POST.get("organization", "")
    membership = memberships_for_user(request.user).filter(organization__public_id=wanted).first()
    if membership is None:
        raise Http404("No such organization.")
    organization_choose(request, membership.organization)
    messages.success(
        request,
        _("You are now working in %(organization)s.")
        % {"organization": membership.organization.name},
    )
    return redirect("dashboard:home")


def _invitation_state(invitation: Invitation | None) -> str:
    if invitation is None:
        return "unknown"
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if not invitation_usable(invitation):
        return "expired"
    return "open"


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, secret: str) -> HttpResponse:
    """The link in an invitation: a signed-in user with the invited address joins; a
    new person sets a password and joins; anyone else is told what to do."""
    invitation = invitation_for_secret(secret)
    state = _invitation_state(invitation)
    context: dict[str, Any] = {"invitation": invitation, "state": state}
    if invitation is None or state != "open":
        return render(
            request,
            "dashboard/invitation.html",
            context,
            status=404 if invitation is None else 410,
        )

    user = request.user if request.user.is_authenticated else None
    account_exists = get_user_model().objects.filter(username=invitation.email).exists()
    form = PasswordForm(request.POST if request.method == "POST" and user is None else None)
    context["form"] = form
    if user is not None and user.get_username().lower() != invitation.email:
        context["state"] = "other_user"
        return render(request, "dashboard/invitation.html", context, status=403)
    if user is None and account_exists:
        context["state"] = "sign_in"
        return render(request, "dashboard/invitation.html", context)
    if request.method == "POST" and (user is not None or form.is_valid()):
        try:
            joined = invitation_accept(
                invitation=invitation,
                user=user,
                password=form.cleaned_data.get("password1", "") if user is None else "",
            )
        except TeamError as error:
            messages.error(request, str(error))
            return redirect("dashboard:invitation_accept", secret=secret)
        if user is None:
            login(request, cast(User, joined), backend="django.contrib.auth.backends.ModelBackend")
        organization_choose(request, invitation.organization)
        messages.success(
            request,
            _("Welcome to %(organization)s. You are a member as %(role)s.")
            % {
                "organization": invitation.organization.name,
                "role": invitation.get_role_display(),
            },
        )
        return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/invitation.html", context, status=status)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form; the email goes through settings.EMAIL_BACKEND, i.e. the
    configured mail transport (the local mailbox, where only its addressee sees it)."""

    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def password_reset_urls() -> list[URLPattern]:
    """Password reset by email with Django's views, in the dashboard's layout."""
    return [
        path(
            "password-reset/",
            ThrottledPasswordResetView.as_view(
                form_class=PasswordResetForm,
                template_name="registration/password_reset_form.html",
                email_template_name="registration/password_reset_mail.txt",
                html_email_template_name="registration/password_reset_mail.html",
                subject_template_name="registration/password_reset_mail_subject.txt",
                extra_email_context={"base_url": settings.BASE_URL},
                success_url=reverse_lazy("dashboard:password_reset_done"),
            ),
            name="password_reset",
        ),
        path(
            "password-reset/sent/",
            auth_views.PasswordResetDoneView.as_view(
                template_name="registration/password_reset_done.html"
            ),
            name="password_reset_done",
        ),
        path(
            "password-reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                template_name="registration/password_reset_confirm.html",
                success_url=reverse_lazy("dashboard:password_reset_complete"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "password-reset/done/",
            auth_views.PasswordResetCompleteView.as_view(
                template_name="registration/password_reset_complete.html"
            ),
            name="password_reset_complete",
        ),
    ]
