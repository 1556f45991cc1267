"""Public pages: the recipient's credential page (view, claim), downloads, sharing,
the claim-by-token page and the verification page.

Views parse the request, look the credential up and call one service. A wrong, random
or truncated token or id is a helpful 404 that never hints whether a similar one exists.
A GET never claims: mail scanners follow links; claiming is a POST from the page. A
credential its issuer erased answers every page with 410 and a page naming only the
certificate and the issuer (conferral.certificates.erasure).

Once the credential is known, the whole request is handled in its certificate's language
(not only the template): every message built on the way, by a service or here, speaks
the language the certificate speaks, whatever the browser asks for."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from conferral.certificates.credentials import (
    CredentialError,
    CredentialNotClaimed,
    CredentialRevoked,
    credential_claim,
)
from conferral.certificates.links import channel_from_mark, recipient_path, verify_url
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.rendering.renderer import (
    PREVIEW_PPI,
    RenderError,
    credential_file,
    credential_render,
)
from conferral.certificates.robots import indexable, robots_tagged
from conferral.core.client import client_address
from conferral.core.http import render_in, user_agent
from conferral.core.throttle_views import (
    RECIPIENT_BASE,
    checks_refusal,
    failures_count,
    guess_targets,
    link_misses_throttled,
)
from conferral.recipient.http import attachment, file_response, never_cached_unless_a_file
from conferral.recipient.selectors import (
    CredentialState,
    credential_state,
    recipient_get_by_credential_id,
    recipient_get_by_token,
    replaced_token_get,
)
from conferral.recipient.sharing import linkedin_add_url, share_url
from conferral.tracking.services import (
    DownloadFormat,
    Network,
    credential_download_record,
    credential_linkedin_add_record,
    credential_share_record,
    credential_verify_record,
    credential_view_record,
)

MARK_MAX_LENGTH = 100
TOKEN_INPUT_MAX_LENGTH = 100
CONTENT_TYPES = {DownloadFormat.PDF: "application/pdf", DownloadFormat.PNG: "image/png"}


def _not_found(request: HttpRequest, token: str = "") -> HttpResponse:
    """A 404, or for a token that was regenerated, a 410 page that says the link was
    replaced by a new one (and where to turn)."""
    replaced = replaced_token_get(token) if token else None
    if replaced is not None:
        certificate = replaced.recipient.certificate
        context = {"certificate": certificate, "organization": certificate.organization}
        return robots_tagged(
            render_in(request, certificate.language, "recipient/replaced.html", context, status=410)
        )
    return robots_tagged(render_in(request, None, "recipient/not_found.html", {}, status=404))


def _erased(request: HttpRequest, recipient: Recipient) -> HttpResponse:
    """410: the issuer erased the credential. The page names the certificate and its
    issuer, nothing of the person's (the badge's files answer the same page)."""
    certificate = recipient.certificate
    context = {"certificate": certificate, "organization": certificate.organization}
    response = render_in(
        request, certificate.language, "recipient/erased.html", context, status=410
    )
    return robots_tagged(response)


def link_not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return _not_found(request)


def credential_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return robots_tagged(
        render_in(request, None, "recipient/verify_not_found.html", {}, status=404)
    )


def _in_language_of(recipient: Recipient) -> translation.override:
    """Handle the rest of the request in the language of the recipient's certificate."""
    return translation.override(recipient.certificate.language)


def _message(request: HttpRequest, recipient: Recipient, message: str, status: int) -> HttpResponse:
    context = {"recipient": recipient, "certificate": recipient.certificate, "message": message}
    return robots_tagged(
        render_in(
            request, recipient.certificate.language, "recipient/message.html", context, status
        )
    )


def _credential_error_status(error: CredentialError) -> int:
    return 410 if isinstance(error, CredentialRevoked) else 403


def _page_path(recipient: Recipient, via: str) -> str:
    path = reverse("recipient:page", kwargs={"token": recipient.token})
    return f"{path}?{urlencode({'via': via})}" if via else path


def _page_context(recipient: Recipient, via: str, error: str = "") -> dict[str, object]:
    certificate = recipient.certificate
    return {
        "recipient": recipient,
        "certificate": certificate,
        "organization": certificate.organization,
        "state": credential_state(recipient),
        "via": via,
        "error": error,
        "verify_url": verify_url(recipient),
        "networks": Network,
        "indexable": indexable(recipient),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@link_misses_throttled
def page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the credential and records a view; POST claims it through the channel
    of the signed `via` mark (absent or tampered: `admin`)."""
    recipient = recipient_get_by_token(token)
    if recipient is None:
        return _not_found(request, token)
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    with _in_language_of(recipient):
        return robots_tagged(_page(request, recipient), recipient)


def _page(request: HttpRequest, recipient: Recipient) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    via = str(source.get("via", ""))[:MARK_MAX_LENGTH]
    channel = channel_from_mark(recipient.token, via)
    language = recipient.certificate.language
    if request.method == "POST":
        try:
            credential_claim(
                recipient=recipient,
                channel=channel,
                user_agent=user_agent(request),
                client_address=client_address(request),
            )
        except CredentialRevoked as exc:
            context = _page_context(recipient, via, exc.message)
            return render_in(request, language, "recipient/page.html", context, status=409)
        return HttpResponseRedirect(_page_path(recipient, via))
    credential_view_record(
        recipient=recipient,
        channel=channel,
        user_agent=user_agent(request),
        client_address=client_address(request),
        method=request.method or "GET",
    )
    return render_in(request, language, "recipient/page.html", _page_context(recipient, via))


def _usable_or_message(request: HttpRequest, recipient: Recipient) -> HttpResponse | None:
    if recipient.is_revoked:
        return _message(request, recipient, CredentialRevoked().message, 410)
    if not recipient.is_claimed:
        return _message(request, recipient, CredentialNotClaimed().message, 403)
    return None


@never_cached_unless_a_file
@require_http_methods(["GET", "HEAD"])
@link_misses_throttled
def download(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The PDF or PNG as an attachment, once claimed; records `credential.downloaded`.
    The file comes from the render cache when it was rendered before, and the checks
    come first: a kept file is never a way round a revocation or a missing claim. A
    browser that kept the file gets a 304 (still recorded: the visitor asked for it)."""
    recipient = recipient_get_by_token(token)
    if recipient is None or fmt not in CONTENT_TYPES:
        return _not_found(request, token if recipient is None else "")
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    with _in_language_of(recipient):
        return robots_tagged(_download(request, recipient, DownloadFormat(fmt)), recipient)


def _download(request: HttpRequest, recipient: Recipient, fmt: DownloadFormat) -> HttpResponse:
    refused = _usable_or_message(request, recipient)
    if refused is not None:
        return refused
    try:
        rendered = credential_file(recipient, "pdf" if fmt == DownloadFormat.PDF else "png")
    except RenderError:
        return _message(
            request, recipient, _("Your file could not be produced. Please try again later."), 503
        )
    try:
        credential_download_record(
            recipient=recipient,
            format=fmt,
            user_agent=user_agent(request),
            client_address=client_address(request),
            method=request.method or "GET",
        )
    except CredentialError as exc:
        return _message(request, recipient, exc.message, _credential_error_status(exc))
    certificate = recipient.certificate
    disposition = attachment(f"{certificate.name} - {recipient.name}", fmt.value)
    return file_response(request, rendered, CONTENT_TYPES[fmt], disposition)


@never_cache
@require_http_methods(["GET", "HEAD"])
@link_misses_throttled
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """A small PNG of the credential for the page itself (not counted as a download)."""
    recipient = recipient_get_by_token(token)
    if recipient is None:
        return _not_found(request)
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    with _in_language_of(recipient):
        refused = _usable_or_message(request, recipient)
        if refused is not None:
            return refused
        try:
            content = credential_render(recipient, "png", ppi=PREVIEW_PPI)
        except RenderError:
            return HttpResponse(status=503)
    return robots_tagged(HttpResponse(content, content_type="image/png"), recipient)


@require_POST
@link_misses_throttled
def share(request: HttpRequest, token: str, network: str) -> HttpResponse:
    """Record `credential.shared`, then go to the network's share dialog."""
    recipient = recipient_get_by_token(token)
    if recipient is None or network not in Network.values:
        return _not_found(request)
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    with _in_language_of(recipient):
        try:
            credential_share_record(
                recipient=recipient,
                network=network,
                user_agent=user_agent(request),
                client_address=client_address(request),
            )
        except CredentialError as exc:
            return _message(request, recipient, exc.message, _credential_error_status(exc))
    return HttpResponseRedirect(share_url(recipient, Network(network)))


@require_POST
@link_misses_throttled
def linkedin_add(request: HttpRequest, token: str) -> HttpResponse:
    """Record `credential.linkedin_added`, then go to LinkedIn's add-to-profile form."""
    recipient = recipient_get_by_token(token)
    if recipient is None:
        return _not_found(request)
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    with _in_language_of(recipient):
        try:
            credential_linkedin_add_record(
                recipient=recipient,
                user_agent=user_agent(request),
                client_address=client_address(request),
            )
        except CredentialError as exc:
            return _message(request, recipient, exc.message, _credential_error_status(exc))
    return HttpResponseRedirect(linkedin_add_url(recipient))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """The public claim page: a token typed by hand claims with channel `token`. Tokens
    that could exist but match nothing count against the client's address; once it used
    up its window, typed tokens are refused (429) before they are looked up, until the
    window ends."""
    typed = ""
    error = ""
    if request.method == "POST":
        typed = str(request.POST.get("token", ""))[:TOKEN_INPUT_MAX_LENGTH]
        targets = guess_targets(request, "claim_address", typed)
        refused = checks_refusal(request, targets, RECIPIENT_BASE)
        if refused is not None:
            return refused
        recipient = recipient_get_by_token(typed)
        if recipient is None:
            failures_count(targets)
            error = _(
                "We could not find a credential with this token. Check the token in your "
                "email and try again."
            )
        elif recipient.erased_at is not None:
            return _erased(request, recipient)
        else:
            # A revoked credential is not claimed; its page explains why.
            with _in_language_of(recipient), contextlib.suppress(CredentialRevoked):
                credential_claim(
                    recipient=recipient,
                    channel=Channel.TOKEN,
                    user_agent=user_agent(request),
                    client_address=client_address(request),
                )
            return HttpResponseRedirect(recipient_path(recipient, Channel.TOKEN))
    context = {"token": typed, "error": error}
    return robots_tagged(render_in(request, None, "recipient/claim.html", context))


@require_http_methods(["GET", "HEAD"])
def verify(request: HttpRequest, credential_id: str) -> HttpResponse:
    """The public verification page: valid, expired or revoked."""
    recipient = recipient_get_by_credential_id(credential_id)
    if recipient is None:
        return credential_not_found(request)
    if recipient.erased_at is not None:
        return _erased(request, recipient)
    certificate = recipient.certificate
    with _in_language_of(recipient):
        credential_verify_record(
            recipient=recipient,
            user_agent=user_agent(request),
            client_address=client_address(request),
            method=request.method or "GET",
        )
        context = {
            "recipient": recipient,
            "certificate": certificate,
            "organization": certificate.organization,
            "state": credential_state(recipient),
            "states": CredentialState,
            "indexable": indexable(recipient),
        }
        response = render_in(request, certificate.language, "recipient/verify.html", context)
        return robots_tagged(response, recipient)
