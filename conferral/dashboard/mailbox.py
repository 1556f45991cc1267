"""The local mailbox: the messages captured when no mail server is configured, listed and
shown as the recipient would see them.

It is shown only while the local mailbox is the configured email transport (otherwise
its pages are 404s), and each signed-in user sees only the messages of their own
organizations (`mailbox_visible`; another's message is a 404).

Looking at a message here is not the recipient reading it: it records no open and no
click. The open pixel is taken out of the shown HTML and text, every tracked link is
replaced by the recipient's page (marked as the issuer's access link, so it records no
click either), and the frame's Content-Security-Policy loads no image from anywhere
but `data:` URLs. The HTML is served by its own view, inside a sandboxed iframe, with
a Content-Security-Policy that allows no script and opens links in a new tab."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from conferral.certificates.links import recipient_url
from conferral.certificates.models import Channel, Recipient
from conferral.core import signing
from conferral.core.ids import looks_like_public_id
from conferral.delivery.email_url import EmailKind, email_config
from conferral.delivery.selectors import (
    MailboxParts,
    mailbox_message_get,
    mailbox_message_parts,
    mailbox_messages,
)
from conferral.tracking.links import LEGACY_LINK, click_purpose

MESSAGE_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "img-src data:; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'self'"
)
HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
LINKS_IN_NEW_TAB = '<base target="_blank">'
URL_CHARS = r"[^\s\"'<>/?#]+"
UNTRACKED = "#"


def mailbox_enabled() -> bool:
    return email_config().kind == EmailKind.MAILBOX


def _require_mailbox() -> None:
    if not mailbox_enabled():
        raise Http404("The local mailbox is not in use.")


@cache
def _tracking_pattern(name: str) -> re.Pattern[str]:
    """A tracking endpoint's URL on any host (the base URL may have changed since the
    message was stored), with the recipient's public id, the signature and a numbered
    link's number captured."""
    kwargs: dict[str, str | int] = {"public_id": "PUBLICID", "sig": "SIGNATURE"}
    if name == "link":
        kwargs["link"] = 987654321
    path = reverse(f"tracking:{name}", kwargs=kwargs)
    before, rest = path.split("PUBLICID")
    middle, after = rest.split("SIGNATURE")
    return re.compile(
        r"(?:https?://[^\s\"'<>/]+)?"
        + re.escape(before)
        + f"(?P<public_id>{URL_CHARS}?)"
        + re.escape(middle).replace("987654321", "(?P<link>[0-9]{1,9})")
        + f"(?P<sig>{URL_CHARS}{'?' if after else ''})"
        + re.escape(after)
    )


def _recipient_link(match: re.Match[str]) -> str:
    """Where a tracked link leads, without passing the click endpoint."""
    public_id, sig = match.group("public_id"), match.group("sig")
    link = int(match.groupdict().get("link") or LEGACY_LINK)
    if not looks_like_public_id(public_id) or not signing.verify(
        click_purpose(link), public_id, sig
    ):
        return UNTRACKED
    recipient = Recipient.objects.filter(public_id=public_id).first()
    return recipient_url(recipient, Channel.ADMIN) if recipient is not None else UNTRACKED


def _untracked(content: str, escape: Callable[[str], str]) -> str:
    opens, clicks = _tracking_pattern("open"), _tracking_pattern("click")
    content = IMG_TAG.sub(lambda tag: "" if opens.search(tag.group(0)) else tag.group(0), content)
    content = opens.sub("", content)
    content = _tracking_pattern("honeypot").sub(UNTRACKED, content)
    content = _tracking_pattern("link").sub(lambda match: escape(_recipient_link(match)), content)
    return clicks.sub(lambda match: escape(_recipient_link(match)), content)


def parts_untracked(parts: MailboxParts) -> MailboxParts:
    """The message's parts with the open pixel removed and tracked links untracked."""
    return MailboxParts(
        subject=parts.subject,
        sender=parts.sender,
        to=parts.to,
        date=parts.date,
        message_id=parts.message_id,
        text=_untracked(parts.text, str),
        html=_untracked(parts.html, html.escape),
    )


@login_required
@require_safe
def mailbox_list(request: HttpRequest) -> HttpResponse:
    _require_mailbox()
    page = mailbox_messages(request.user, page=request.GET.get("page") or 1)
    return render(request, "dashboard/mailbox.html", {"page": page})


@login_required
@require_safe
def mailbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_mailbox()
    message = mailbox_message_get(request.user, message_id)
    parts = parts_untracked(mailbox_message_parts(message))
    return render(request, "dashboard/mailbox_message.html", {"message": message, "parts": parts})


def _links_in_new_tab(html: str) -> str:
    match = HEAD_TAG.search(html)
    if match is None:
        return LINKS_IN_NEW_TAB + html
    return html[: match.end()] + LINKS_IN_NEW_TAB + html[match.end() :]


@login_required
@require_safe
@xframe_options_sameorigin
def mailbox_message_html(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_mailbox()
    parts = parts_untracked(mailbox_message_parts(mailbox_message_get(request.user, message_id)))
    response = HttpResponse(_links_in_new_tab(parts.html), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = MESSAGE_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
