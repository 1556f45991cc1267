"""The unsubscribe link of every email (List-Unsubscribe, RFC 8058): a signed
per-recipient URL that ends the automatic reminders.

A GET only shows a page with a button: link scanners and previews follow links, so
following one must change nothing. A POST unsubscribes: the mail client's one-click
POST (body `List-Unsubscribe=One-Click`, sent without cookies or a CSRF token, so it is
exempt from the CSRF check) or the page's button (which is checked). A forged, altered
or cut-off link is a 404 page that records nothing."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Recipient
from conferral.core import signing
from conferral.core.http import render_in
from conferral.core.ids import looks_like_public_id
from conferral.delivery.reminders import recipient_unsubscribe

UNSUBSCRIBE = "unsubscribe"
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def unsubscribe_url(recipient: Recipient) -> str:
    """The recipient's unsubscribe URL, for the List-Unsubscribe header."""
    sig = signing.sign(UNSUBSCRIBE, recipient.public_id)
    return settings.BASE_URL + reverse(
        "recipient:unsubscribe", kwargs={"public_id": recipient.public_id, "sig": sig}
    )


def _recipient(public_id: str, sig: str) -> Recipient | None:
    if not looks_like_public_id(public_id) or not signing.verify(UNSUBSCRIBE, public_id, sig):
        return None
    return (
        Recipient.objects.select_related("certificate__organization")
        .filter(public_id=public_id)
        .first()
    )


def _invalid(request: HttpRequest) -> HttpResponse:
    return render_in(request, None, "delivery/unsubscribe_invalid.html", {}, status=404)


def _page(request: HttpRequest, recipient: Recipient, done: bool) -> HttpResponse:
    certificate = recipient.certificate
    context = {
        "recipient": recipient,
        "certificate": certificate,
        "organization": certificate.organization,
        "done": done,
        "unsubscribed": recipient.unsubscribed_at is not None,
        "page_path": recipient_path(recipient, Channel.EMAIL),
    }
    return render_in(request, certificate.language, "delivery/unsubscribe.html", context)


@csrf_protect
def _button(request: HttpRequest, recipient: Recipient) -> HttpResponse:
    """The page itself: a GET shows the button, its POST unsubscribes."""
    if request.method == "POST":
        recipient_unsubscribe(recipient=recipient, one_click=False)
        return _page(request, recipient, done=True)
    return _page(request, recipient, done=False)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, public_id: str, sig: str) -> HttpResponse:
    recipient = _recipient(public_id, sig)
    if recipient is None:
        return _invalid(request)
    if request.method == "POST" and request.POST.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE:
        recipient_unsubscribe(recipient=recipient, one_click=True)
        return _page(request, recipient, done=True)
    return _button(request, recipient)


def unsubscribe_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /u/ (a link cut off or mangled)."""
    return _invalid(request)
