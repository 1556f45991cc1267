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
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conferral.certificates.credentials import (
    recipients_revoke,
)
from conferral.certificates.links import recipient_url
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.certificates.selectors import (
    FilterInvalid,
    certificate_get_for_user,
    recipients_filter,
)
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    ServiceError,
    recipients_add,
    recipients_delete,
)
from conferral.certificates.status import EmailStatus
from conferral.certificates.tallies import recipient_tallies
from conferral.dashboard.access import require_editor, user_can_edit
from conferral.dashboard.export import export_csv_rows, export_xlsx_file
from conferral.dashboard.forms import (
    BulkAction,
    BulkForm,
    RecipientForm,
    RecipientListForm,
)
from conferral.delivery.services import certificate_send, recipients_resend
from conferral.tracking.summary import recipient_summary

RECIPIENTS_PER_PAGE = 50
MAX_PAGE = 100_000
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


def _list_page(certificate: Certificate, recipients: QuerySet[Recipient], number: int) -> ListPage:
    """The page's primary keys first (a narrow scan, cheap to skip far into), then
    those rows, each given `certificate` (whose recipients they are) and its
    organization as they are: read again for each row, by a join or by the summaries,
    they had been 35 of a page's 44 queries."""
    offset = (number - 1) * RECIPIENTS_PER_PAGE
    found = list(recipients.values_list("pk", flat=True)[offset : offset + RECIPIENTS_PER_PAGE + 1])
    by_pk = Recipient.objects.filter(certificate=certificate).in_bulk(found[:RECIPIENTS_PER_PAGE])
    certificate.organization  # noqa: B018 (read once, here, for every row's summary)
    for recipient in by_pk.values():
        recipient.certificate = certificate
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


def recipients_url(certificate: Certificate, query: str = "") -> str:
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
    page = _list_page(certificate, recipients, _page_number(request.GET.get("page")))
    # The whole list is counted by its tallies, a filtered one from an index; a search
    # is not counted.
    if filters["q"]:
        total = None
    elif any(filters.values()):
        total = recipients.order_by().count()
    else:
        total = recipient_tallies(certificate).total("recipients")
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
    if action == BulkAction.REVOKE:  # an erased credential is void already
        return recipients.filter(revoked_at__isnull=True, erased_at__isnull=True)
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


def _bulk_run(
    certificate: Certificate, action: str, pks: list[int], reason: str
) -> tuple[int, str]:
    """How many recipients the action was done to, and the note on those it skipped."""
    if action == BulkAction.SEND:
        public_ids = list(
            Recipient.objects.filter(pk__in=pks).order_by("pk").values_list("public_id", flat=True)
        )
        sent = certificate_send(certificate=certificate, recipient_ids=public_ids)
        return sent.queued, sent.skipped_text()
    if action == BulkAction.NUDGE:
        nudged = recipients_resend(certificate=certificate, recipient_ids=pks)
        return nudged.queued, nudged.skipped_text()
    if action == BulkAction.REVOKE:
        revoked = recipients_revoke(recipient_ids=pks, certificate_id=certificate.pk, reason=reason)
        return revoked, ""
    return recipients_delete(certificate=certificate, recipient_ids=pks), ""


@login_required
@require_POST
def certificate_recipients_bulk(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """A bulk action on the ticked recipients or on everyone the filter finds: first a
    page that says how many it concerns, then (with `confirm`) the action itself."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    back = recipients_url(certificate, _filter_query(request.POST))
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
            done, skipped = _bulk_run(certificate, action, eligible, reason)
        except (ServiceError, RecipientsInvalid) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _bulk_done(action, done))
            if skipped:
                messages.warning(request, skipped)
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
