"""Organization settings → sending domain: every member sees the domain, the records
to publish and the last check; owners and admins set it up, change it, check it,
regenerate its keys and remove it. The organization is in the URL and must be one of
the user's own: another organization's page is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from conferral.accounts.models import Organization
from conferral.dashboard.access import organization_for_member
from conferral.delivery.domains.check import Outcome
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.records import records_for
from conferral.delivery.domains.selectors import domain_of
from conferral.delivery.domains.services import (
    DomainInvalid,
    DomainSettings,
    email_url_shown,
    sending_domain_check,
    sending_domain_delete,
    sending_domain_keys_regenerate,
    sending_domain_save,
)
from conferral.delivery.message import sender_parts

STATUS_LABELS = {
    Outcome.OK: gettext_lazy("ok"),
    Outcome.MISSING: gettext_lazy("missing"),
    Outcome.WRONG: gettext_lazy("wrong"),
    Outcome.FAILED: gettext_lazy("not looked up"),
}


class UrlWithoutPassword(forms.TextInput):
    """A mail service URL is shown back without its password, even when the form
    comes back with an error."""

    def format_value(self, value: Any) -> str | None:
        return email_url_shown(str(value)) if value else None


class DomainForm(forms.Form):
    """What the organization chooses; services.py checks every value."""

    domain = forms.CharField(label=gettext_lazy("Domain"), max_length=253)
    from_name = forms.CharField(
        label=gettext_lazy("Sender name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Empty: the organization's name."),
    )
    from_local_part = forms.CharField(
        label=gettext_lazy("Sender address, before the @"), max_length=64, initial="certificates"
    )
    reply_to = forms.CharField(
        label=gettext_lazy("Reply-to address"), max_length=254, required=False
    )
    return_path_domain = forms.CharField(
        label=gettext_lazy("Return-path domain"),
        max_length=253,
        required=False,
        help_text=gettext_lazy(
            "Where bounces come back. Left empty, it is bounces. followed by your domain."
        ),
    )
    email_url = forms.CharField(
        label=gettext_lazy("Own mail service (optional)"),
        max_length=2000,
        required=False,
        widget=UrlWithoutPassword(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "smtp://user:password@host:587?starttls=1, smtps://… or "
            "django://anymail.backends.….EmailBackend. Empty: this installation's. The "
            "password is never shown again; leave it out to keep the saved one."
        ),
    )

    def settings(self) -> DomainSettings:
        return DomainSettings(**{name: self.cleaned_data[name] for name in self.fields})


def _editable(request: HttpRequest, organization_id: str) -> Organization:
    organization, can_edit = organization_for_member(request, organization_id)
    if not can_edit:
        raise PermissionDenied(_("Only owners and admins can change the sending domain."))
    return organization


def _initial(domain: SendingDomain) -> dict[str, Any]:
    return {
        "domain": domain.domain,
        "from_name": domain.from_name,
        "from_local_part": domain.from_local_part,
        "reply_to": domain.reply_to,
        "return_path_domain": domain.return_path_domain,
        "email_url": domain.email_url,
    }


def _page(
    request: HttpRequest,
    organization: Organization,
    can_edit: bool,
    *,
    form: DomainForm | None = None,
    status: int = 200,
) -> HttpResponse:
    domain = domain_of(organization)
    checks = {
        check["key"]: check for check in (domain.last_check if domain else {}).get("records", [])
    }
    records = [
        {
            "record": record,
            "check": checks.get(record.key),
            "status": STATUS_LABELS.get(checks.get(record.key, {}).get("status", ""), ""),
        }
        for record in (records_for(domain) if domain else [])
    ]
    context = {
        "organization": organization,
        "can_edit": can_edit,
        "domain": domain,
        "records": records,
        "form": form or DomainForm(initial=_initial(domain) if domain else None),
        "default_address": sender_parts()[1],
    }
    return render(request, "dashboard/sending_domain.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sending_domain(request: HttpRequest, organization_id: str) -> HttpResponse:
    """The page; a POST sets the domain up or changes it."""
    if request.method != "POST":
        return _page(request, *organization_for_member(request, organization_id))
    organization, can_edit = _editable(request, organization_id), True
    form = DomainForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, can_edit, form=form, status=400)
    existed = domain_of(organization) is not None
    try:
        domain = sending_domain_save(organization=organization, values=form.settings())
    except DomainInvalid as error:
        form.add_error(error.field, str(error))
        return _page(request, organization, can_edit, form=form, status=400)
    if existed:
        messages.success(
            request, _("The sending domain %(domain)s was saved.") % {"domain": domain}
        )
    else:
        messages.success(
            request,
            _(
                "%(domain)s was set up with new DKIM keys. Publish the records below, then "
                "check them: messages go from it once the check passes."
            )
            % {"domain": domain},
        )
    return redirect("dashboard:sending_domain", organization_id=organization.public_id)


def _domain(organization: Organization) -> SendingDomain:
    domain = domain_of(organization)
    if domain is None:
        raise Http404("This organization has no sending domain.")
    return domain


@login_required
@require_POST
def sending_domain_check_view(request: HttpRequest, organization_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    domain = sending_domain_check(domain=_domain(organization))
    if domain.check_passed:
        messages.success(
            request,
            _("Every record of %(domain)s is published: messages now go from it.")
            % {"domain": domain},
        )
    else:
        messages.error(
            request,
            _(
                "Some records of %(domain)s are missing or wrong (see below); messages "
                "still go from %(default)s."
            )
            % {"domain": domain, "default": sender_parts()[1]},
        )
    return redirect("dashboard:sending_domain", organization_id=organization.public_id)


@login_required
@require_POST
def sending_domain_keys_view(request: HttpRequest, organization_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    domain = sending_domain_keys_regenerate(domain=_domain(organization))
    messages.success(
        request,
        _(
            "New DKIM keys were made for %(domain)s. Publish their records and check "
            "again; until then messages go from %(default)s."
        )
        % {"domain": domain, "default": sender_parts()[1]},
    )
    return redirect("dashboard:sending_domain", organization_id=organization.public_id)


@login_required
@require_POST
def sending_domain_delete_view(request: HttpRequest, organization_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    if sending_domain_delete(organization=organization):
        messages.success(
            request,
            _("The sending domain was removed; messages go from %(default)s again.")
            % {"default": sender_parts()[1]},
        )
    return redirect("dashboard:sending_domain", organization_id=organization.public_id)
