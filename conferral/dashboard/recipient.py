"""One recipient in the dashboard: its page with the summary, the link and token to hand
out and the paged timeline; editing (and resending after a fixed address), resending,
deleting, regenerating the token, revoking, and the PDF for the issuer to send by hand.
Every action goes through the same services as the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from conferral.certificates.credentials import (
    CredentialError,
    recipient_revoke,
    recipient_token_regenerate,
)
from conferral.certificates.links import recipient_url, verify_url
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.rendering.renderer import RenderError, credential_render
from conferral.certificates.selectors import (
    recipient_get_for_user,
)
from conferral.certificates.services import (
    RecipientsInvalid,
    ServiceError,
    recipient_delete,
    recipient_update,
)
from conferral.core.client import client_address
from conferral.core.http import user_agent
from conferral.dashboard.access import require_editor, user_can_edit
from conferral.dashboard.forms import (
    RecipientForm,
    RevokeForm,
)
from conferral.dashboard.recipients import recipients_url
from conferral.delivery.advice import recipient_explain_full
from conferral.delivery.services import recipient_resend
from conferral.tracking.explain import event_explain
from conferral.tracking.feedback_explain import event_report_url
from conferral.tracking.selectors import recipient_events
from conferral.tracking.services import DownloadFormat, credential_download_record

EVENTS_PER_PAGE = 50


@login_required
def recipient_detail(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = recipient_get_for_user(request.user, recipient_id)
    return _detail(request, recipient, RecipientForm(initial=_initial(recipient)))


def _initial(recipient: Recipient) -> dict[str, str]:
    return {"name": recipient.name, "email": recipient.email}


def _detail(
    request: HttpRequest, recipient: Recipient, form: RecipientForm, status: int = 200
) -> HttpResponse:
    events = Paginator(recipient_events(recipient), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    explanation = recipient_explain_full(recipient)
    context = {
        "recipient": recipient,
        "certificate": recipient.certificate,
        "summary": explanation.situation,
        "advice": explanation.advice,
        "access_url": recipient_url(recipient, Channel.ADMIN),
        "verify_url": verify_url(recipient),
        "page": events,
        "events": [
            (event, event_explain(event), event_report_url(event)) for event in events.object_list
        ],
        "query": "",
        "form": form,
        "can_edit": user_can_edit(request.user, recipient.certificate.organization),
    }
    return render(request, "dashboard/recipient.html", context, status=status)


def _editable(request: HttpRequest, recipient_id: str) -> Recipient:
    recipient = recipient_get_for_user(request.user, recipient_id)
    require_editor(request.user, recipient.certificate.organization)
    return recipient


def _to_recipient(recipient: Recipient) -> HttpResponse:
    return redirect("dashboard:recipient", recipient_id=recipient.public_id)


@login_required
@require_POST
def recipient_edit(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Correct the name or address; with `resend`, send the email again right after
    (the remedy for a bounce caused by a typo)."""
    recipient = _editable(request, recipient_id)
    form = RecipientForm(request.POST)
    if not form.is_valid():
        return _detail(request, recipient, form, status=400)
    try:
        recipient = recipient_update(
            recipient=recipient, name=form.cleaned_data["name"], email=form.cleaned_data["email"]
        )
    except RecipientsInvalid as error:
        for problem in error.errors:
            form.add_error(problem.field if problem.field in form.fields else None, problem.msg)
        return _detail(request, recipient, form, status=400)
    messages.success(request, _("The changes were saved."))
    if "resend" in request.POST:
        _resend(request, recipient)
    return _to_recipient(recipient)


def _resend(request: HttpRequest, recipient: Recipient, override_suppression: bool = False) -> None:
    try:
        recipient_resend(recipient=recipient, override_suppression=override_suppression)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The email is being sent to %(email)s.") % {"email": recipient.email}
        )


@login_required
@require_POST
def recipient_resend_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Send the email again; "Send anyway" (`override_suppression`) first asks to
    confirm, then lifts the address's suppression entry and sends."""
    recipient = _editable(request, recipient_id)
    override = "override_suppression" in request.POST
    if override and "confirm" not in request.POST:
        return _confirm(request, recipient, "send_anyway")
    _resend(request, recipient, override_suppression=override)
    return _to_recipient(recipient)


def _confirm(
    request: HttpRequest, recipient: Recipient, action: str, form: RevokeForm | None = None
) -> HttpResponse:
    context = {
        "recipient": recipient,
        "certificate": recipient.certificate,
        "action": action,
        "form": form,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "dashboard/recipient_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recipient_delete_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = _editable(request, recipient_id)
    if request.method != "POST":
        return _confirm(request, recipient, "delete")
    certificate = recipient.certificate
    recipient_delete(recipient=recipient)
    messages.success(request, _("%(name)s was deleted.") % {"name": recipient.name})
    return redirect(recipients_url(certificate))


@login_required
@require_http_methods(["GET", "POST"])
def recipient_token_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Give the recipient a new token and link; the old link says it was replaced."""
    recipient = _editable(request, recipient_id)
    if request.method != "POST":
        return _confirm(request, recipient, "token")
    recipient_token_regenerate(recipient=recipient)
    messages.success(
        request,
        _("The recipient has a new token: %(token)s. The old link no longer opens the credential.")
        % {"token": recipient.token},
    )
    return _to_recipient(recipient)


@login_required
@require_http_methods(["GET", "POST"])
def recipient_revoke_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = _editable(request, recipient_id)
    form = RevokeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _confirm(request, recipient, "revoke", form)
    try:
        recipient_revoke(recipient=recipient, reason=form.cleaned_data["reason"])
    except ServiceError as error:
        form.add_error("reason", str(error))
        return _confirm(request, recipient, "revoke", form)
    messages.success(request, _("The credential was revoked."))
    return _to_recipient(recipient)


@login_required
@require_POST
def recipient_download(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """The credential's PDF, for the issuer to hand out themselves; recorded as a
    download through the dashboard (channel `admin`)."""
    recipient = _editable(request, recipient_id)
    certificate = recipient.certificate
    try:
        with translation.override(certificate.language):
            content = credential_render(recipient, "pdf")
        credential_download_record(
            recipient=recipient,
            format=DownloadFormat.PDF,
            channel=Channel.ADMIN,
            user_agent=user_agent(request),
            client_address=client_address(request),
            method=request.method or "POST",
        )
    except RenderError:
        messages.error(request, _("The PDF could not be produced. Please try again later."))
        return _to_recipient(recipient)
    except CredentialError as error:
        messages.error(request, error.message)
        return _to_recipient(recipient)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{certificate.name} - {recipient.name}.pdf"
    )
    return response
