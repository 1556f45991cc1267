"""The issuer dashboard: certificates, their recipients with both statuses, sending and
importing. Every object is fetched through the access helpers: a foreign one is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from conferral.certificates.selectors import (
    SEARCH_MAX_LENGTH,
    certificate_get_for_user,
    certificates_for_user,
)
from conferral.certificates.services import RecipientsInvalid, ServiceError
from conferral.certificates.tallies import email_tallies
from conferral.dashboard.access import current_organization, require_editor, user_can_edit
from conferral.dashboard.charts import Slice, pie_svg
from conferral.delivery.bounce_domains import MIN_RECIPIENTS, bounce_domains
from conferral.delivery.selectors import (
    certificate_send_progress,
    certificate_sendable_count,
    certificate_suppressed_count,
    send_progress,
)
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics
from conferral.tracking.services import Network

RECIPIENTS_PER_PAGE = 50
CERTIFICATES_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The certificate list: searchable, the archived ones apart."""
    q = str(request.GET.get("q", ""))[:SEARCH_MAX_LENGTH]
    archived = request.GET.get("archived") == "1"
    organization = current_organization(request)
    certificates = certificates_for_user(
        request.user, q=q, archived=archived, organization=organization
    )
    page = Paginator(certificates, CERTIFICATES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "q": q,
        "archived": archived,
        "query": query.urlencode(),
        "can_create": organization is not None and user_can_edit(request.user, organization),
    }
    return render(request, "dashboard/home.html", context)


# Distinct at a glance; the legend beside the chart names each with its number.
SHARE_COLOURS = {"linkedin": "#0a66c2", "facebook": "#0d9488", "x": "#111827"}


def _share_slices(counts: dict[str, int]) -> list[Slice]:
    return [
        Slice(network.value, str(network.label), counts.get(network.value, 0), colour)
        for network, colour in ((Network(key), colour) for key, colour in SHARE_COLOURS.items())
    ]


@login_required
def certificate_detail(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The certificate's overview: the summary box, the actions and the statistics."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    tallies = email_tallies(certificate, now=timezone.now())
    statistics = certificate_statistics(certificate, tallies=tallies)
    shares = _share_slices(statistics["social_shares"])
    context = {
        "certificate": certificate,
        "tab": "overview",
        "statistics": statistics,
        "shares": [(part, part.percent(sum(s.value for s in shares))) for part in shares],
        "shares_pie": pie_svg(
            shares,
            title=_("Tracked social shares by network"),
            empty=_("No tracked shares yet"),
        ),
        "sendable": tallies.sendable,
        "can_edit": user_can_edit(request.user, certificate.organization),
        # Only when two or more bounced (the statistics say so at no extra cost).
        "bounce_domains": bounce_domains(certificate)
        if statistics["email"]["bounced"] >= MIN_RECIPIENTS
        else [],
        # Only while emails are on their way (the statistics say so at no extra cost).
        "progress": send_progress(tallies, certificate)
        if statistics["email"]["sending"] or statistics["email"]["scheduled"]
        else None,
    }
    return render(request, "dashboard/certificate.html", context)


@login_required
def certificate_progress(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Where the sending stands, for the overview to poll while emails go out."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    context = {"certificate": certificate, "progress": certificate_send_progress(certificate)}
    return render(request, "dashboard/_send_progress.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_send_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """GET asks to confirm how many emails will go out; POST sends them."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    if request.method == "POST":
        try:
            result = certificate_send(certificate=certificate)
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
                    result.queued,
                )
                % {"count": result.queued},
            )
            if result.skipped_total:
                messages.warning(request, result.skipped_text())
        return redirect("dashboard:certificate", certificate_id=certificate.public_id)
    statistics = certificate_statistics(certificate)
    context = {
        "certificate": certificate,
        "sendable": certificate_sendable_count(certificate),
        "suppressed": certificate_suppressed_count(certificate),
        "without_address": statistics["email"]["not_provided"],
    }
    return render(request, "dashboard/send_confirm.html", context)
