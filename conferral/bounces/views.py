"""The raw report page: the message that came back, byte for byte as it was stored, for
the issuer whose recipient it is about. Only members of that organization see it (any
other user gets a 404, as for every object of another organization), and an unmatched
report belongs to no organization, so the dashboard shows it to nobody.

The message is shown as text, escaped, inside the dashboard layout: a bounce quotes
whatever the remote side sent, and none of it is ever rendered as HTML."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from conferral.accounts.selectors import organizations_for_user
from conferral.bounces.models import InboundReport


def report_get_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> InboundReport:
    report = (
        InboundReport.objects.select_related("recipient")
        .filter(pk=pk, organization__in=organizations_for_user(user))
        .first()
    )
    if report is None:
        raise Http404("No such report.")
    return report


@login_required
@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(request.user, pk)
    response = render(
        request,
        "bounces/report.html",
        {
            "report": report,
            "raw": bytes(report.raw).decode("utf-8", "replace"),
            "stored": len(report.raw),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
