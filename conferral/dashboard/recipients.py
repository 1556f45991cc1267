"""The recipients tab of a certificate, CSV import, and one recipient's page with its
timeline. Every object is fetched through the access helpers: a foreign one is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.importing import recipients_import_upload
from conferral.certificates.links import recipient_url, verify_url
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.selectors import (
    FilterInvalid,
    certificate_get_for_user,
    recipient_get_for_user,
    recipients_filter,
)
from conferral.certificates.services import RecipientsInvalid
from conferral.dashboard.access import require_editor, user_can_edit
from conferral.dashboard.forms import ImportForm, RecipientFilterForm
from conferral.tracking.explain import event_explain
from conferral.tracking.selectors import recipient_events
from conferral.tracking.summary import recipient_summary

RECIPIENTS_PER_PAGE = 50


@dataclass(frozen=True)
class RecipientRow:
    """A recipient as the list shows it, with its plain-words summary and admin link."""

    recipient: Recipient
    summary: str
    access_url: str


def _row(recipient: Recipient) -> RecipientRow:
    return RecipientRow(
        recipient, recipient_summary(recipient), recipient_url(recipient, Channel.ADMIN)
    )


@login_required
def certificate_recipients(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The recipients tab: every recipient with both statuses, searchable and filtered."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    form = RecipientFilterForm(request.GET)
    filters = form.filters()
    try:
        recipients = recipients_filter(certificate=certificate, **filters)
    except FilterInvalid as error:
        messages.error(request, str(error))
        recipients = recipients_filter(certificate=certificate)
    page = Paginator(recipients, RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "certificate": certificate,
        "tab": "recipients",
        "form": form,
        "filtered": any(filters.values()),
        "page": page,
        "rows": [_row(recipient) for recipient in page.object_list],
        "query": query.urlencode(),
        "can_edit": user_can_edit(request.user, certificate.organization),
    }
    return render(request, "dashboard/recipients.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_import(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = ImportForm(request.POST or None, request.FILES or None)
    invalid: RecipientsInvalid | None = None
    if request.method == "POST" and form.is_valid():
        try:
            added = recipients_import_upload(
                certificate=certificate, upload=form.cleaned_data["file"]
            )
        except ImportFileInvalid as error:
            form.add_error("file", str(error))
        except RecipientsInvalid as error:
            invalid = error
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s recipient was added.", "%(count)s recipients were added.", added
                )
                % {"count": added},
            )
            return redirect(
                "dashboard:certificate_recipients", certificate_id=certificate.public_id
            )
    context = {
        "certificate": certificate,
        "form": form,
        "invalid": invalid,
        "hidden_errors": invalid.total - len(invalid.errors) if invalid else 0,
    }
    status = 400 if form.errors or invalid else 200
    return render(request, "dashboard/import.html", context, status=status)


@login_required
def recipient_detail(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = recipient_get_for_user(request.user, recipient_id)
    events = [(event, event_explain(event)) for event in recipient_events(recipient)]
    context = {
        "recipient": recipient,
        "certificate": recipient.certificate,
        "summary": recipient_summary(recipient),
        "access_url": recipient_url(recipient, Channel.ADMIN),
        "verify_url": verify_url(recipient),
        "events": events,
    }
    return render(request, "dashboard/recipient.html", context)
