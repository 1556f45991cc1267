"""The local mailbox: the messages captured when no mail server is configured, listed and
shown as the recipient would see them.

The mailbox belongs to the whole installation (it is a one-machine tool), so it is shown
to every signed-in user, and only while the local mailbox is the configured email
transport; otherwise its pages are 404s. A message's HTML is served by its own view,
inside a sandboxed iframe, with a Content-Security-Policy that allows no script and
opens links in a new tab."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from conferral.delivery.email_url import EmailKind, email_config
from conferral.delivery.selectors import (
    mailbox_message_get,
    mailbox_message_parts,
    mailbox_messages,
)

MESSAGE_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "img-src * data:; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'self'"
)
HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
LINKS_IN_NEW_TAB = '<base target="_blank">'


def mailbox_enabled() -> bool:
    return email_config().kind == EmailKind.MAILBOX


def _require_mailbox() -> None:
    if not mailbox_enabled():
        raise Http404("The local mailbox is not in use.")


@login_required
def mailbox_list(request: HttpRequest) -> HttpResponse:
    _require_mailbox()
    page = mailbox_messages(page=request.GET.get("page") or 1)
    return render(request, "dashboard/mailbox.html", {"page": page})


@login_required
def mailbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_mailbox()
    message = mailbox_message_get(message_id)
    parts = mailbox_message_parts(message)
    return render(request, "dashboard/mailbox_message.html", {"message": message, "parts": parts})


def _links_in_new_tab(html: str) -> str:
    match = HEAD_TAG.search(html)
    if match is None:
        return LINKS_IN_NEW_TAB + html
    return html[: match.end()] + LINKS_IN_NEW_TAB + html[match.end() :]


@login_required
@xframe_options_sameorigin
def mailbox_message_html(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_mailbox()
    parts = mailbox_message_parts(mailbox_message_get(message_id))
    response = HttpResponse(_links_in_new_tab(parts.html), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MESSAGE_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response
