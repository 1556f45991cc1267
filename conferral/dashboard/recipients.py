"""The recipients tab of a certificate: the list (search, filters, sort, pages), adding
one recipient, importing a CSV or XLSX list with a preview, bulk actions and the export;
and one recipient's page with its actions and timeline.

Every object is fetched through the access helpers (a foreign one is a 404), every
change is a POST by an owner or admin (a viewer gets a 403) and goes through the same
services as the API. The list never counts a search: a page is read with one row more
than it shows, which says whether there is a next one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conferral.certificates.credentials import (
    CredentialError,
    recipient_revoke,
    recipient_token_regenerate,
    recipients_revoke,
)
from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.links import recipient_url, verify_url
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.certificates.rendering.renderer import RenderError, credential_render
from conferral.certificates.selectors import (
    FilterInvalid,
    certificate_get_for_user,
    recipient_get_for_user,
    recipients_filter,
)
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    ServiceError,
    recipient_delete,
    recipient_update,
    recipients_add,
    recipients_delete,
)
from conferral.certificates.staging import (
    StagedExpired,
    staged_discard,
    staged_import,
    staged_preview,
    upload_stage,
)
from conferral.certificates.status import EmailStatus
from conferral.core.http import client_address, user_agent
from conferral.dashboard.access import require_editor, user_can_edit
from conferral.dashboard.export import export_csv_rows, export_xlsx_file
from conferral.dashboard.forms import (
    BulkAction,
    BulkForm,
    RecipientForm,
    RecipientListForm,
    RecipientsUploadForm,
    RevokeForm,
)
from conferral.delivery.services import certificate_send, recipient_resend, recipients_resend
from conferral.tracking.explain import event_explain
from conferral.tracking.selectors import recipient_events
from conferral.tracking.services import DownloadFormat, credential_download_record
from conferral.tracking.summary import recipient_summary

RECIPIENTS_PER_PAGE = 50
EVENTS_PER_PAGE = 50
MAX_PAGE = 100_000
STAGED_SESSION_KEY = "conferral.staged_import"
FILTER_FIELDS = ("q", "status", "email_status", "fact", "sort")


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


@dataclass(frozen=True)
class ListPage:
    """One page of the list, read without counting it (one row more says whether a
    next page exists)."""

    rows: list[RecipientRow]
    number: int
    has_previous: bool
    has_next: bool
    start: int
    end: int


def _page_number(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or "1")), MAX_PAGE)
    except ValueError:
        return 1


def _list_page(recipients: QuerySet[Recipient], number: int) -> ListPage:
    """The page's primary keys first (a narrow scan, cheap to skip far into), then
    those rows."""
    offset = (number - 1) * RECIPIENTS_PER_PAGE
    found = list(recipients.values_list("pk", flat=True)[offset : offset + RECIPIENTS_PER_PAGE + 1])
    by_pk = Recipient.objects.select_related("certificate").in_bulk(found[:RECIPIENTS_PER_PAGE])
    shown = [by_pk[pk] for pk in found[:RECIPIENTS_PER_PAGE] if pk in by_pk]
    return ListPage(
        rows=[_row(recipient) for recipient in shown],
        number=number,
        has_previous=number > 1,
        has_next=len(found) > RECIPIENTS_PER_PAGE,
        start=offset + 1 if shown else offset,
        end=offset + len(shown),
    )


def _filtered(
    request: HttpRequest, certificate: Certificate, source: QueryDict
) -> tuple[RecipientListForm, dict[str, Any], QuerySet[Recipient]]:
    """The list form and the recipients it finds, in its sort order."""
    form = RecipientListForm(source)
    filters = form.filters()
    try:
        recipients = recipients_filter(certificate=certificate, **filters)
    except FilterInvalid as error:
        messages.error(request, str(error))
        recipients = recipients_filter(certificate=certificate)
    return form, filters, recipients.order_by(*form.ordering())


def _filter_query(source: QueryDict) -> str:
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        value = source.get(name)
        if isinstance(value, str) and value:
            query[name] = value
    return query.urlencode()


def _recipients_url(certificate: Certificate, query: str = "") -> str:
    url = reverse(
        "dashboard:certificate_recipients", kwargs={"certificate_id": certificate.public_id}
    )
    return f"{url}?{query}" if query else url


@login_required
def certificate_recipients(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """The recipients tab: every recipient with both statuses, searchable, filtered,
    sorted, a page at a time, with bulk actions and the export."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    form, filters, recipients = _filtered(request, certificate, request.GET)
    page = _list_page(recipients, _page_number(request.GET.get("page")))
    # A count is cheap from an index while nothing is searched; a search is not counted.
    total = None if filters["q"] else recipients.order_by().count()
    query = _filter_query(request.GET)
    context = {
        "certificate": certificate,
        "tab": "recipients",
        "form": form,
        "filtered": any(filters.values()),
        "page": page,
        "rows": page.rows,
        "total": total,
        "pages": None if total is None else max(1, -(-total // RECIPIENTS_PER_PAGE)),
        "query": query,
        "filter_values": {
            name: request.GET[name] for name in FILTER_FIELDS if request.GET.get(name)
        },
        "can_edit": user_can_edit(request.user, certificate.organization),
        "add_form": RecipientForm(),
        "actions": BulkAction.choices,
    }
    return render(request, "dashboard/recipients.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recipient_add(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Add one recipient by hand."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            [added] = recipients_add(
                certificate=certificate,
                rows=[RawRow(1, form.cleaned_data["name"], form.cleaned_data["email"])],
            ).recipients
        except RecipientsInvalid as error:
            for problem in error.errors:
                form.add_error(problem.field if problem.field in form.fields else None, problem.msg)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": added.name})
            return redirect("dashboard:recipient", recipient_id=added.public_id)
    context = {"certificate": certificate, "form": form}
    status = 400 if form.errors else 200
    return render(request, "dashboard/recipient_add.html", context, status=status)


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
    """Upload a CSV or XLSX list: it is kept on the server and previewed (every bad row,
    suggested fixes, duplicates); nothing is added until the issuer confirms."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    form = RecipientsUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"certificate": certificate, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = ""
        try:
            name = upload_stage(upload)
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
        return redirect(_recipients_url(certificate))
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
    return redirect(_recipients_url(certificate))


def _bulk_targets(
    request: HttpRequest, certificate: Certificate, form: BulkForm
) -> QuerySet[Recipient]:
    if form.cleaned_data["scope"] == "all":
        _form, _filters, recipients = _filtered(request, certificate, request.POST)
        return recipients.order_by()
    return Recipient.objects.filter(
        certificate=certificate, public_id__in=form.cleaned_data["selected"]
    )


def _eligible(action: str, recipients: QuerySet[Recipient]) -> QuerySet[Recipient]:
    if action == BulkAction.SEND:
        return recipients.filter(
            revoked_at__isnull=True, email_status=EmailStatus.NOT_SENT
        ).exclude(email="")
    if action == BulkAction.NUDGE:
        return recipients.filter(
            revoked_at__isnull=True, claimed_at__isnull=True, email_status=EmailStatus.DELIVERED
        ).exclude(email="")
    if action == BulkAction.REVOKE:
        return recipients.filter(revoked_at__isnull=True)
    return recipients


def _bulk_done(action: str, count: int) -> str:
    if action == BulkAction.SEND:
        text = ngettext("%(count)s email is being sent.", "%(count)s emails are being sent.", count)
    elif action == BulkAction.NUDGE:
        text = ngettext(
            "%(count)s reminder is being sent.", "%(count)s reminders are being sent.", count
        )
    elif action == BulkAction.REVOKE:
        text = ngettext(
            "%(count)s credential was revoked.", "%(count)s credentials were revoked.", count
        )
    else:
        text = ngettext(
            "%(count)s recipient was deleted.", "%(count)s recipients were deleted.", count
        )
    return text % {"count": count}


def _bulk_run(certificate: Certificate, action: str, pks: list[int], reason: str) -> int:
    if action == BulkAction.SEND:
        public_ids = list(
            Recipient.objects.filter(pk__in=pks).order_by("pk").values_list("public_id", flat=True)
        )
        return certificate_send(certificate=certificate, recipient_ids=public_ids)
    if action == BulkAction.NUDGE:
        return recipients_resend(certificate=certificate, recipient_ids=pks)
    if action == BulkAction.REVOKE:
        return recipients_revoke(recipient_ids=pks, certificate_id=certificate.pk, reason=reason)
    return recipients_delete(certificate=certificate, recipient_ids=pks)


@login_required
@require_POST
def certificate_recipients_bulk(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """A bulk action on the ticked recipients or on everyone the filter finds: first a
    page that says how many it concerns, then (with `confirm`) the action itself."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    back = _recipients_url(certificate, _filter_query(request.POST))
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action and the recipients it is for."))
        return redirect(back)
    action = form.cleaned_data["action"]
    targets = _bulk_targets(request, certificate, form)
    named = targets.count()
    if not named:
        messages.error(request, _("No recipients were ticked."))
        return redirect(back)
    eligible = list(_eligible(action, targets).order_by("pk").values_list("pk", flat=True))
    reason = form.cleaned_data["reason"].strip()
    if "confirm" in request.POST and (reason or action != BulkAction.REVOKE):
        if not eligible:
            messages.error(request, _("None of these recipients can be acted on this way."))
            return redirect(back)
        try:
            done = _bulk_run(certificate, action, eligible, reason)
        except (ServiceError, RecipientsInvalid) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _bulk_done(action, done))
        return redirect(back)
    context = {
        "certificate": certificate,
        "action": action,
        "action_label": BulkAction(action).label,
        "named": named,
        "eligible": len(eligible),
        "skipped": named - len(eligible),
        "post": request.POST,
        "selected": form.cleaned_data["selected"],
        "filters": {name: request.POST.get(name, "") for name in FILTER_FIELDS},
        "scope": form.cleaned_data["scope"],
        "reason_missing": "confirm" in request.POST and not reason,
        "back": back,
    }
    return render(request, "dashboard/recipients_bulk.html", context)


@login_required
@require_GET
def certificate_recipients_export(request: HttpRequest, certificate_id: str) -> HttpResponseBase:
    """The filtered list as CSV or XLSX, with both statuses, engagement and links."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    _form, _filters, recipients = _filtered(request, certificate, request.GET)
    stem = f"{certificate.name} - recipients"
    if request.GET.get("format") == "xlsx":
        handle = export_xlsx_file(recipients)
        response = FileResponse(
            handle,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, f"{stem}.xlsx")
        return response
    streaming = StreamingHttpResponse(
        export_csv_rows(recipients), content_type="text/csv; charset=utf-8"
    )
    streaming["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv")
    return streaming


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
    context = {
        "recipient": recipient,
        "certificate": recipient.certificate,
        "summary": recipient_summary(recipient),
        "access_url": recipient_url(recipient, Channel.ADMIN),
        "verify_url": verify_url(recipient),
        "page": events,
        "events": [(event, event_explain(event)) for event in events.object_list],
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


def _resend(request: HttpRequest, recipient: Recipient) -> None:
    try:
        recipient_resend(recipient=recipient)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The email is being sent to %(email)s.") % {"email": recipient.email}
        )


@login_required
@require_POST
def recipient_resend_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = _editable(request, recipient_id)
    _resend(request, recipient)
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
    return redirect(_recipients_url(certificate))


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
