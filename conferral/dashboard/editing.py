"""Creating and shaping a certificate in the dashboard: new, settings (texts, dates and
the email, with a preview built by the real message builder and a test email), duplicate,
archive, publish without email, and a scheduled send that can be cancelled. Every change
goes through the same services as the API; viewers may look but change nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from conferral.accounts.models import Organization
from conferral.certificates.editing import (
    certificate_archive,
    certificate_duplicate,
    certificate_publish_without_email,
    certificate_schedule_cancel,
    certificate_unarchive,
    certificate_update,
)
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.selectors import certificate_get_for_user
from conferral.certificates.services import RecipientsInvalid, ServiceError, certificate_create
from conferral.dashboard.access import current_organization, require_editor, user_can_edit
from conferral.dashboard.certificate_forms import CertificateForm, ScheduleForm, TestEmailForm
from conferral.delivery.domains.outgoing import message_send_once
from conferral.delivery.message import MessageTemplate, OutgoingMessage
from conferral.delivery.selectors import certificate_sendable_count
from conferral.delivery.services import certificate_send
from conferral.delivery.transports import TransportError

SAMPLE_NAME = "Ada Lovelace"
# The preview frame runs no script, loads nothing (not even its open pixel) and cannot
# navigate: it only shows the message.
PREVIEW_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "font-src data:; frame-ancestors 'self'"
)


def _overview(certificate: Certificate) -> HttpResponse:
    return redirect("dashboard:certificate", certificate_id=certificate.public_id)


def _editable_organization(request: HttpRequest) -> Organization | None:
    """Where a new certificate goes: the organization the user works in now (the top
    bar's switcher), if they may create certificates there."""
    organization = current_organization(request)
    if organization is not None and user_can_edit(request.user, organization):
        return organization
    return None


@login_required
@require_http_methods(["GET", "POST"])
def certificate_new(request: HttpRequest) -> HttpResponse:
    organization = _editable_organization(request)
    if organization is None:
        raise PermissionDenied(_("Viewers cannot create certificates."))
    form = CertificateForm(request.POST or None, initial={"issue_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():  # the model's own checks included
        certificate = certificate_create(organization=organization, **form.cleaned_data)
        messages.success(request, _("The certificate was created as a draft."))
        return _overview(certificate)
    status = 400 if form.errors else 200
    context = {"form": form, "organization": organization}
    return render(request, "dashboard/certificate_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_settings(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The certificate's texts, dates and email; the preview and the test email."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    can_edit = user_can_edit(request.user, certificate.organization)
    if request.method == "POST":
        require_editor(request.user, certificate.organization)
    form = CertificateForm(request.POST or None, instance=certificate)
    if request.method == "POST" and form.is_valid():  # the model's own checks included
        certificate_update(
            certificate=certificate,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(request, _("The changes were saved."))
        return redirect("dashboard:certificate_settings", certificate_id=certificate.public_id)
    certificate.refresh_from_db()
    context = {
        "certificate": certificate,
        "tab": "settings",
        "form": form,
        "can_edit": can_edit,
        "test_form": TestEmailForm(initial={"to": getattr(request.user, "email", "")}),
        "schedule_form": ScheduleForm(),
        "sendable": certificate_sendable_count(certificate),
    }
    status = 400 if form.errors else 200
    return render(request, "dashboard/certificate_settings.html", context, status=status)


def _sample(certificate: Certificate, to: str = "") -> tuple[OutgoingMessage, MessageTemplate]:
    """The certificate's email as its first recipient (or a sample one) would get it,
    and the template it was built from. Its links belong to no recipient, so following
    them records nothing."""
    first = Recipient.objects.filter(certificate=certificate).order_by("pk").first()
    sample = Recipient(
        certificate=certificate,
        name=first.name if first else SAMPLE_NAME,
        email=to or (first.email if first and first.email else "ada@example.com"),
        attributes=first.attributes if first else {},
    )
    template = MessageTemplate(certificate)
    return template.build(sample), template


@login_required
@xframe_options_sameorigin
def certificate_email_preview(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The email's HTML as it is sent, for the preview frame (no script, no tracking:
    its pixel and links name no recipient)."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    message, _template = _sample(certificate)
    response = HttpResponse(message.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def certificate_test_email(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Send the email, built and signed exactly as a recipient gets it, to an address
    of the issuer's choice, through the mail service its recipients' messages go through."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = TestEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address for the test email."))
        return redirect("dashboard:certificate_settings", certificate_id=certificate.public_id)
    message, template = _sample(certificate, to=form.cleaned_data["to"])
    try:
        reply = message_send_once(message, template.sending_domain)
    except TransportError as error:
        messages.error(request, _("The test email was not sent: %(reply)s") % {"reply": error})
    else:
        messages.success(
            request,
            _("A test email went to %(to)s (%(reply)s).")
            % {"to": form.cleaned_data["to"], "reply": reply},
        )
    return redirect("dashboard:certificate_settings", certificate_id=certificate.public_id)


@login_required
@require_POST
def certificate_duplicate_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    copy = certificate_duplicate(certificate=certificate)
    messages.success(
        request, _("“%(name)s” was created as a draft, without recipients.") % {"name": copy.name}
    )
    return _overview(copy)


@login_required
@require_POST
def certificate_archive_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    if request.POST.get("restore"):
        certificate_unarchive(certificate=certificate)
        messages.success(request, _("The certificate is back in the list."))
    else:
        certificate_archive(certificate=certificate)
        messages.success(
            request,
            _(
                "The certificate was archived: it left the list and sends nothing more; "
                "its credentials stay valid."
            ),
        )
    return _overview(certificate)


@login_required
@require_POST
def certificate_publish_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Publish without email: the issuer hands out links or tokens instead."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    try:
        certificate_publish_without_email(certificate=certificate)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Published without email: hand out each recipient's link or token "
                "(Recipients tab); nothing is emailed until you send."
            ),
        )
    return _overview(certificate)


@login_required
@require_POST
def certificate_schedule(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("at", []):
            messages.error(request, str(error))
        return redirect("dashboard:certificate_settings", certificate_id=certificate.public_id)
    at = form.cleaned_data["at"]
    try:
        result = certificate_send(certificate=certificate, at=at)
        queued = result.queued
    except (ServiceError, RecipientsInvalid) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s email will be sent at %(time)s.",
                "%(count)s emails will be sent at %(time)s.",
                queued,
            )
            % {
                "count": queued,
                "time": formats.date_format(timezone.localtime(at), "DATETIME_FORMAT"),
            },
        )
        if result.skipped_total:
            messages.warning(request, result.skipped_text())
    return _overview(certificate)


@login_required
@require_POST
def certificate_schedule_cancel_view(request: HttpRequest, certificate_id: str) -> HttpResponse:
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    try:
        cancelled = certificate_schedule_cancel(certificate=certificate)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "The scheduled send was cancelled: %(count)s email will not go out.",
                "The scheduled send was cancelled: %(count)s emails will not go out.",
                cancelled,
            )
            % {"count": cancelled},
        )
    return _overview(certificate)
