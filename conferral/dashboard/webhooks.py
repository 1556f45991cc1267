"""Organization settings → webhooks: every member sees the endpoints and what was
delivered to them; owners and admins register an endpoint (its secret is shown on the
answer to that request only), delete one, enable a disabled one again and replay a
delivery. Another organization's pages are a 404."""

from __future__ import annotations

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
from conferral.webhooks.models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH, Endpoint
from conferral.webhooks.payload import WEBHOOK_TYPES, type_label
from conferral.webhooks.selectors import (
    deliveries_recent,
    delivery_get_for_org,
    endpoint_get_for_org,
    endpoints_for_org,
)
from conferral.webhooks.services import (
    WebhookInvalid,
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
)


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("URL"),
        max_length=URL_MAX_LENGTH,
        help_text=gettext_lazy("Where the events are posted, e.g. https://example.org/hooks."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=DESCRIPTION_MAX_LENGTH, required=False
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(kind, f"{type_label(kind)} ({kind})") for kind in WEBHOOK_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )


def _editable(request: HttpRequest, organization_id: str) -> Organization:
    organization, can_edit = organization_for_member(request, organization_id)
    if not can_edit:
        raise PermissionDenied(_("Only owners and admins can change the webhooks."))
    return organization


def _endpoint(organization: Organization, endpoint_id: str) -> Endpoint:
    endpoint = endpoint_get_for_org(organization, endpoint_id)
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _list(
    request: HttpRequest,
    organization: Organization,
    can_edit: bool,
    *,
    form: EndpointForm | None = None,
    created: Endpoint | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "organization": organization,
        "can_edit": can_edit,
        "endpoints": list(endpoints_for_org(organization)),
        "form": form or EndpointForm(),
        "created": created,
        "secret": secret,
    }
    return render(request, "dashboard/webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest, organization_id: str) -> HttpResponse:
    """The list; a POST registers an endpoint and shows its secret, this once."""
    if request.method != "POST":
        return _list(request, *organization_for_member(request, organization_id))
    organization = _editable(request, organization_id)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _list(request, organization, True, form=form, status=400)
    try:
        registered = endpoint_create(organization=organization, **form.cleaned_data)
    except WebhookInvalid as error:
        form.add_error(error.field, error.message)
        return _list(request, organization, True, form=form, status=400)
    return _list(request, organization, True, created=registered.endpoint, secret=registered.secret)


@login_required
@require_http_methods(["GET"])
def webhook_endpoint(request: HttpRequest, organization_id: str, endpoint_id: str) -> HttpResponse:
    """One endpoint and its recent deliveries, each with its attempts."""
    organization, can_edit = organization_for_member(request, organization_id)
    endpoint = _endpoint(organization, endpoint_id)
    context = {
        "organization": organization,
        "can_edit": can_edit,
        "endpoint": endpoint,
        "event_labels": [type_label(kind) for kind in endpoint.event_types],
        "deliveries": deliveries_recent(endpoint),
    }
    return render(request, "dashboard/webhook_endpoint.html", context)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, organization_id: str, endpoint_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    endpoint = _endpoint(organization, endpoint_id)
    endpoint_delete(endpoint=endpoint)
    messages.success(request, _("The endpoint %(url)s was deleted.") % {"url": endpoint.url})
    return redirect("dashboard:webhooks", organization_id=organization.public_id)


@login_required
@require_POST
def webhook_enable(request: HttpRequest, organization_id: str, endpoint_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    endpoint = _endpoint(organization, endpoint_id)
    if endpoint_enable(endpoint=endpoint):
        messages.success(
            request,
            _("The endpoint is enabled again; what was waiting for it is being sent."),
        )
    return redirect(
        "dashboard:webhook_endpoint",
        organization_id=organization.public_id,
        endpoint_id=endpoint.public_id,
    )


@login_required
@require_POST
def webhook_replay(request: HttpRequest, organization_id: str, delivery_id: str) -> HttpResponse:
    organization = _editable(request, organization_id)
    delivery = delivery_get_for_org(organization, delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    delivery_replay(delivery=delivery)
    if delivery.endpoint.enabled:
        messages.success(request, _("The delivery is being sent again."))
    else:
        messages.warning(
            request,
            _("The delivery will be sent again once the endpoint is enabled."),
        )
    return redirect(
        "dashboard:webhook_endpoint",
        organization_id=organization.public_id,
        endpoint_id=delivery.endpoint.public_id,
    )
