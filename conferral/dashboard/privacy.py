"""Organization settings → privacy: whether the emails track opens and clicks, and how
long the organization's events are kept. Every member sees the settings; owners and
admins change them (conferral.accounts.privacy). The organization is in the URL and
must be one of the user's own: another organization's page is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from conferral.accounts.models import Organization
from conferral.accounts.privacy import (
    RETENTION_DAYS_MAX,
    RETENTION_DAYS_MIN,
    PrivacySettings,
    organization_privacy_update,
    privacy_settings_of,
    retention_days_default,
)
from conferral.dashboard.access import organization_for_member


class PrivacyForm(forms.Form):
    track_opens = forms.BooleanField(
        label=gettext_lazy("Track opens"),
        required=False,
        help_text=gettext_lazy(
            "Off: the emails carry no tracking image, and the statistics say opens are not tracked."
        ),
    )
    track_clicks = forms.BooleanField(
        label=gettext_lazy("Track clicks"),
        required=False,
        help_text=gettext_lazy(
            "Off: the emails link straight to the recipient's page, and the statistics "
            "say clicks are not tracked."
        ),
    )
    event_retention_days = forms.IntegerField(
        label=gettext_lazy("Keep events for (days)"),
        required=False,
        min_value=RETENTION_DAYS_MIN,
        max_value=RETENTION_DAYS_MAX,
        help_text=gettext_lazy(
            "Older events (opens, clicks, views of each recipient) are deleted; the counts "
            "and each recipient's current status stay. Empty: this installation's default."
        ),
    )

    def settings(self) -> PrivacySettings:
        return PrivacySettings(
            track_opens=self.cleaned_data["track_opens"],
            track_clicks=self.cleaned_data["track_clicks"],
            event_retention_days=self.cleaned_data["event_retention_days"],
        )


def _page(
    request: HttpRequest,
    organization: Organization,
    can_edit: bool,
    form: PrivacyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        current = privacy_settings_of(organization)
        form = PrivacyForm(
            initial={
                "track_opens": current.track_opens,
                "track_clicks": current.track_clicks,
                "event_retention_days": current.event_retention_days,
            }
        )
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "organization": organization,
        "can_edit": can_edit,
        "form": form,
        "default_days": retention_days_default(),
    }
    return render(request, "dashboard/privacy.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest, organization_id: str) -> HttpResponse:
    """The page; a POST saves the settings."""
    organization, can_edit = organization_for_member(request, organization_id)
    if request.method != "POST":
        return _page(request, organization, can_edit)
    if not can_edit:
        raise PermissionDenied(_("Only owners and admins can change the privacy settings."))
    form = PrivacyForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, can_edit, form, status=400)
    try:
        organization_privacy_update(
            organization=organization, values=form.settings(), by=request.user.get_username()
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(field, problem)
        return _page(request, organization, can_edit, form, status=400)
    messages.success(request, _("The privacy settings were saved."))
    return redirect("dashboard:privacy", organization_id=organization.public_id)
