"""The issuer dashboard: certificates, their recipients with both statuses, sending and
importing. Every object is fetched through the access helpers: a foreign one is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from conferral.certificates.selectors import (
    certificate_get_for_user,
    certificates_for_user,
)
from conferral.certificates.services import RecipientsInvalid, ServiceError
from conferral.dashboard.access import require_editor, user_can_edit
from conferral.delivery.selectors import certificate_sendable_count
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics

RECIPIENTS_PER_PAGE = 50
CERTIFICATES_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(certificates_for_user(request.user), CERTIFICATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "dashboard/home.html", {"page": page})


@login_required
def certificate_detail(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The certificate's overview: the summary box, the actions and the statistics."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    context = {
        "certificate": certificate,
        "tab": "overview",
        "statistics": certificate_statistics(certificate),
        "sendable": certificate_sendable_count(certificate),
        "can_edit": user_can_edit(request.user, certificate.organization),
    }
    return render(request, "dashboard/certificate.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_send_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """GET asks to confirm how many emails will go out; POST sends them."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    if request.method == "POST":
        try:
            queued = certificate_send(certificate=certificate)
        except (ServiceError, RecipientsInvalid) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s email is being sent. Its status changes to Delivered or "
                    "Bounced in a moment.",
                    "%(count)s emails are being sent. Their status changes to Delivered or "
                    "Bounced in a moment.",
                    queued,
                )
                % {"count": queued},
            )
        return redirect("dashboard:certificate", certificate_id=certificate.public_id)
    statistics = certificate_statistics(certificate)
    context = {
        "certificate": certificate,
        "sendable": certificate_sendable_count(certificate),
        "without_address": statistics["email"]["not_provided"],
    }
    return render(request, "dashboard/send_confirm.html", context)
