"""One recipient in the dashboard: its page with the summary, the link and token to hand
out and the paged timeline; editing (and resending after a fixed address), resending,
deleting, regenerating the token, revoking, erasing (after the issuer types the name
to confirm), and the PDF for the issuer to send by hand. Every action goes through the
same services as the API; an erased recipient takes none but deletion.

The timeline is paged by key, not by number: a page is the events just before
(`?before=<event id>`) or just after (`?after=<event id>`) a given event in (at, id)
order, oldest first within the page, so a deep page of a recipient with 100,000 events
costs what the first does. Without a key (or past either end) the page shows the latest
events; a key that is not an event of this recipient is a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from conferral.certificates.credentials import (
    CredentialError,
    recipient_revoke,
    recipient_token_regenerate,
)
from conferral.certificates.erasure import RecipientErased, erasure_of, recipient_erase
from conferral.certificates.links import recipient_url, verify_url
from conferral.certificates.models import NAME_MAX_LENGTH, Channel, Event, Recipient
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
from conferral.tracking.explain import event_explain, pruned_explain
from conferral.tracking.feedback_explain import event_report_url
from conferral.tracking.selectors import recipient_events
from conferral.tracking.services import DownloadFormat, credential_download_record

EVENTS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """One page of a recipient's timeline: its events oldest first, the keys of the
    pages around it (None at either end) and where it sits among all the events."""

    events: list[Event]
    earlier: int | None  # `?before=` of the page of older events
    later: int | None  # `?after=` of the page of newer events
    first: int  # the position of the page's first event, counting from 1
    last: int
    total: int


def _key(recipient: Recipient, query: QueryDict, name: str) -> tuple[dt.datetime, int] | None:
    """The (at, id) of the event a `?before=` or `?after=` names, or None without one."""
    raw = query.get(name)
    if raw is None:
        return None
    found = (
        Event.objects.filter(recipient_id=recipient.pk, pk=int(raw)).values_list("at", "pk").first()
        if raw.isascii() and raw.isdigit() and len(raw) < 19
        else None
    )
    if found is None:
        raise Http404(_("This page of the timeline does not exist."))
    return found


def _at(event: Event) -> tuple[dt.datetime, int]:
    return event.at, event.pk


def _before(key: tuple[dt.datetime, int]) -> Q:
    at, pk = key
    return Q(at__lte=at) & (Q(at__lt=at) | Q(pk__lt=pk))


def _after(key: tuple[dt.datetime, int]) -> Q:
    at, pk = key
    return Q(at__gte=at) & (Q(at__gt=at) | Q(pk__gt=pk))


def timeline_page(recipient: Recipient, query: QueryDict) -> TimelinePage:
    """The page of the timeline `query` asks for (the latest without a key)."""
    events: QuerySet[Event] = recipient_events(recipient)
    after = _key(recipient, query, "after")
    before = None if after else _key(recipient, query, "before")
    if after is not None:
        rows = list(events.filter(_after(after))[: EVENTS_PER_PAGE + 1])
        newer, older = len(rows) > EVENTS_PER_PAGE, True
        rows = rows[:EVENTS_PER_PAGE]
    else:
        scope = events if before is None else events.filter(_before(before))
        rows = list(scope.order_by("-at", "-id")[: EVENTS_PER_PAGE + 1])
        newer, older = before is not None, len(rows) > EVENTS_PER_PAGE
        rows = rows[:EVENTS_PER_PAGE][::-1]
    if not rows and (after or before):
        return timeline_page(recipient, QueryDict())  # past either end: the latest page
    total = events.count()
    if not rows:
        return TimelinePage(events=[], earlier=None, later=None, first=0, last=0, total=total)
    # A page that ends the timeline knows its place; any other counts the events before it.
    earlier_events = events.filter(_before(_at(rows[0]))).count() if newer else total - len(rows)
    first = earlier_events + 1
    return TimelinePage(
        events=rows,
        earlier=rows[0].pk if older else None,
        later=rows[-1].pk if newer else None,
        first=first,
        last=first + len(rows) - 1,
        total=total,
    )


@login_required
def recipient_detail(request: HttpRequest, recipient_id: str) -> HttpResponse:
    recipient = recipient_get_for_user(request.user, recipient_id)
    return _detail(request, recipient, RecipientForm(initial=_initial(recipient)))


def _initial(recipient: Recipient) -> dict[str, str]:
    return {"name": recipient.name, "email": recipient.email}


def _detail(
    request: HttpRequest, recipient: Recipient, form: RecipientForm, status: int = 200
) -> HttpResponse:
    timeline = timeline_page(recipient, request.GET)
    explanation = recipient_explain_full(recipient)
    context = {
        "recipient": recipient,
        "certificate": recipient.certificate,
        "summary": explanation.situation,
        "advice": explanation.advice,
        "access_url": recipient_url(recipient, Channel.ADMIN),
        "verify_url": verify_url(recipient),
        "timeline": timeline,
        # Said once, at the start of the timeline's oldest page.
        "pruned": "" if timeline.earlier else pruned_explain(recipient),
        "events": [
            (event, event_explain(event), event_report_url(event)) for event in timeline.events
        ],
        "query": "",
        "form": form,
        "can_edit": user_can_edit(request.user, recipient.certificate.organization),
        "erasure": erasure_of(recipient),
    }
    return render(request, "dashboard/recipient.html", context, status=status)


def _editable(request: HttpRequest, recipient_id: str) -> Recipient:
    recipient = recipient_get_for_user(request.user, recipient_id)
    require_editor(request.user, recipient.certificate.organization)
    return recipient


def _to_recipient(recipient: Recipient) -> HttpResponse:
    return redirect("dashboard:recipient", recipient_id=recipient.public_id)


def _erased(request: HttpRequest, recipient: Recipient) -> HttpResponse | None:
    """Back to the recipient's page with the reason, when it was erased."""
    if recipient.erased_at is None:
        return None
    messages.error(request, str(RecipientErased(recipient.erased_at)))
    return _to_recipient(recipient)


@login_required
@require_POST
def recipient_edit(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Correct the name or address; with `resend`, send the email again right after
    (the remedy for a bounce caused by a typo)."""
    recipient = _editable(request, recipient_id)
    if (refused := _erased(request, recipient)) is not None:
        return refused
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
    if (refused := _erased(request, recipient)) is not None:
        return refused
    override = "override_suppression" in request.POST
    if override and "confirm" not in request.POST:
        return _confirm(request, recipient, "send_anyway")
    _resend(request, recipient, override_suppression=override)
    return _to_recipient(recipient)


def _confirm(
    request: HttpRequest,
    recipient: Recipient,
    action: str,
    form: RevokeForm | EraseForm | None = None,
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
    messages.success(
        request,
        _("The erased recipient was deleted.")
        if recipient.erased_at
        else _("%(name)s was deleted.") % {"name": recipient.name},
    )
    return redirect(recipients_url(certificate))


@login_required
@require_http_methods(["GET", "POST"])
def recipient_token_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Give the recipient a new token and link; the old link says it was replaced."""
    recipient = _editable(request, recipient_id)
    if (refused := _erased(request, recipient)) is not None:
        return refused
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
    if (refused := _erased(request, recipient)) is not None:
        return refused
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


class EraseForm(forms.Form):
    """The recipient's name typed again: an erasure cannot be undone."""

    name = forms.CharField(label=gettext_lazy("The recipient's name"), max_length=NAME_MAX_LENGTH)

    def __init__(self, recipient: Recipient, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recipient = recipient

    def clean_name(self) -> str:
        typed: str = self.cleaned_data["name"]
        if " ".join(typed.split()).casefold() != " ".join(self.recipient.name.split()).casefold():
            raise forms.ValidationError(
                _("Type the recipient's name exactly as shown to confirm the erasure.")
            )
        return typed


@login_required
@require_http_methods(["GET", "POST"])
def recipient_erase_view(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """Erase the recipient's personal data, once the issuer typed the name to confirm."""
    recipient = _editable(request, recipient_id)
    if (refused := _erased(request, recipient)) is not None:
        return refused
    form = EraseForm(recipient, request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _confirm(request, recipient, "erase", form)
    try:
        recipient_erase(recipient=recipient, by=request.user.get_username())
    except RecipientErased as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The recipient was erased."))
    return _to_recipient(recipient)


@login_required
@require_POST
def recipient_download(request: HttpRequest, recipient_id: str) -> HttpResponse:
    """The credential's PDF, for the issuer to hand out themselves; recorded as a
    download through the dashboard (channel `admin`)."""
    recipient = _editable(request, recipient_id)
    if (refused := _erased(request, recipient)) is not None:
        return refused
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
