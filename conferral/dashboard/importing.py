"""Importing a list in the dashboard: the upload (CSV or XLSX) is kept on the server,
previewed with every bad row, typo suggestion and duplicate, and added only when the
issuer confirms, all or nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.models import Certificate
from conferral.certificates.selectors import (
    certificate_get_for_user,
)
from conferral.certificates.services import (
    RecipientsInvalid,
)
from conferral.certificates.staging import (
    StagedExpired,
    staged_discard,
    staged_import,
    staged_preview,
    upload_stage,
)
from conferral.dashboard.access import require_editor
from conferral.dashboard.forms import (
    RecipientsUploadForm,
)
from conferral.dashboard.recipients import recipients_url

STAGED_SESSION_KEY = "conferral.staged_import"


def _staged_name(request: HttpRequest, certificate: Certificate) -> str | None:
    staged = request.session.get(STAGED_SESSION_KEY) or {}
    name = staged.get(certificate.public_id)
    return str(name) if name else None


def _stage_remember(request: HttpRequest, certificate: Certificate, name: str | None) -> None:
    staged = dict(request.session.get(STAGED_SESSION_KEY) or {})
    old = staged.pop(certificate.public_id, None)
    if old and old != name:
        staged_discard(str(old))
    if name:
        staged[certificate.public_id] = name
    request.session[STAGED_SESSION_KEY] = staged


@login_required
@require_http_methods(["GET", "POST"])
def certificate_import(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Upload a CSV or XLSX list: it is kept in the database and previewed (every bad row,
    suggested fixes, duplicates); nothing is added until the issuer confirms."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = RecipientsUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"certificate": certificate, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = ""
        try:
            name = upload_stage(upload, certificate=certificate)
            preview = staged_preview(certificate=certificate, name=name)
        except (ImportFileInvalid, StagedExpired) as error:
            staged_discard(name)  # a file that cannot be a list is not kept
            form.add_error("file", str(error) or _("The upload could not be kept; try again."))
        else:
            _stage_remember(request, certificate, name)
            context.update(
                preview=preview,
                staged=name,
                filename=upload.name,
                hidden_problems=preview.total_problems - len(preview.problems),
                problems=[
                    (
                        problem,
                        preview.suggestions.get(problem.row) if problem.field == "email" else None,
                    )
                    for problem in preview.problems
                ],
                bad_rows=preview.bad_rows,
            )
            return render(request, "dashboard/import_preview.html", context)
    status = 400 if form.errors else 200
    return render(request, "dashboard/import.html", context, status=status)


@login_required
@require_POST
def certificate_import_confirm(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Import the list previewed last (the file kept on the server, checked again), or
    drop it."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    name = _staged_name(request, certificate)
    import_url = reverse("dashboard:certificate_import", kwargs={"certificate_id": certificate_id})
    if name is None or request.POST.get("staged") != name:
        messages.error(
            request, _("This preview is out of date or has expired; upload the file again.")
        )
        return redirect(import_url)
    if "cancel" in request.POST:
        _stage_remember(request, certificate, None)
        messages.info(request, _("The upload was dropped; nothing was added."))
        return redirect(recipients_url(certificate))
    try:
        added = staged_import(certificate=certificate, name=name)
    except StagedExpired:
        messages.error(request, _("This preview has expired; upload the file again."))
        return redirect(import_url)
    except (ImportFileInvalid, RecipientsInvalid) as error:
        # The list changed since the preview (someone added the same address meanwhile).
        messages.error(request, str(error))
        return redirect(import_url)
    _stage_remember(request, certificate, None)
    messages.success(
        request,
        ngettext("%(count)s recipient was added.", "%(count)s recipients were added.", added)
        % {"count": added},
    )
    return redirect(recipients_url(certificate))
