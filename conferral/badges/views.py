"""The public side of Open Badges: the issuer's DID document, the status lists, each
credential as JSON and baked into its image, and the verification of an uploaded or
pasted credential. Views look up and call conferral.badges' services; the recipient's
"find my credentials" page is in conferral.badges.finding_views."""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from PIL import Image

from conferral.accounts.models import Organization
from conferral.badges.baking import png_bake, svg_bake
from conferral.badges.did import did_document
from conferral.badges.models import BadgeCredential, StatusList
from conferral.badges.status_list import status_list_credential
from conferral.badges.verification import UPLOAD_MAX, credential_verify
from conferral.certificates.credentials import (
    CredentialError,
    CredentialRevoked,
    credential_usable,
)
from conferral.certificates.rendering.renderer import RenderError, credential_file
from conferral.certificates.robots import robots_tagged
from conferral.core.client import client_address
from conferral.core.http import render_in, user_agent
from conferral.core.throttle import throttle_address
from conferral.core.throttle_views import RECIPIENT_BASE, hits_refusal
from conferral.tracking.services import DownloadFormat, credential_download_record

VC_MEDIA_TYPE = "application/vc+ld+json"
DID_MEDIA_TYPE = "application/did+ld+json"
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
DOWNLOAD_FORMATS = {"png": DownloadFormat.BADGE_PNG, "svg": DownloadFormat.BADGE_SVG}


def _json(document: dict[str, Any], media_type: str) -> HttpResponse:
    return _text(json.dumps(document, ensure_ascii=False, indent=2), media_type)


def _text(text: str, media_type: str, filename: str = "") -> HttpResponse:
    response = HttpResponse(text, content_type=media_type)
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers fetch these
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _credential(credential_uuid: str) -> BadgeCredential:
    """The credential, if its files may be handed out: the same rule as the PDF and
    PNG downloads (claimed, not revoked); otherwise CredentialError. An erased one
    is the caller's to answer (`_erased`)."""
    try:
        badge = BadgeCredential.objects.select_related("recipient__certificate__organization").get(
            uuid=credential_uuid
        )
    except (BadgeCredential.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if badge.recipient.erased_at is None:
        credential_usable(badge.recipient)
    return badge


def _erased(request: HttpRequest, badge: BadgeCredential) -> HttpResponse:
    """The 410 page the recipient's own pages answer once the issuer erased it."""
    certificate = badge.recipient.certificate
    context = {"certificate": certificate, "organization": certificate.organization}
    response = render_in(
        request, certificate.language, "recipient/erased.html", context, status=410
    )
    response["Access-Control-Allow-Origin"] = "*"
    return robots_tagged(response)


def _refused(error: CredentialError) -> HttpResponse:
    status = 410 if isinstance(error, CredentialRevoked) else 403
    response = HttpResponse(error.message, content_type="text/plain; charset=utf-8", status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return robots_tagged(response)


def _downloaded(request: HttpRequest, badge: BadgeCredential, fmt: DownloadFormat) -> None:
    """Record the recipient's download of a file (asked for with `?download`, as the
    recipient page's links do; a verifier fetching the credential is not one), by the
    same service and machine rules as the PDF and PNG; CredentialError when the
    credential was revoked meanwhile."""
    credential_download_record(
        recipient=badge.recipient,
        format=fmt,
        user_agent=user_agent(request),
        client_address=client_address(request),
        method=request.method or "GET",
    )


@require_http_methods(["GET", "HEAD"])
def did_json(request: HttpRequest, organization: str) -> HttpResponse:
    """The organization's did:web DID document: every key it ever signed with."""
    found = get_object_or_404(Organization, public_id=organization)
    return _json(did_document(found), DID_MEDIA_TYPE)


@require_http_methods(["GET", "HEAD"])
def status_list(request: HttpRequest, organization: str, number: int) -> HttpResponse:
    """The signed BitstringStatusListCredential: the revocation bits as they are now."""
    found = get_object_or_404(
        StatusList.objects.select_related("organization"),
        organization__public_id=organization,
        number=number,
    )
    return _json(status_list_credential(found), VC_MEDIA_TYPE)


@require_http_methods(["GET", "HEAD"])
def credential(request: HttpRequest, credential_uuid: str) -> HttpResponse:
    """The signed credential as issued, once claimed (a 403 before, a 410 once
    revoked: the status list says so too); `?download` makes it a file to save."""
    try:
        badge = _credential(credential_uuid)
    except CredentialError as error:
        return _refused(error)
    if badge.recipient.erased_at is not None:
        return _erased(request, badge)
    filename = ""
    if "download" in request.GET:
        filename = f"{badge.uuid}.json"
        try:
            _downloaded(request, badge, DownloadFormat.BADGE_JSON)
        except CredentialError as error:
            return _refused(error)
    return robots_tagged(_text(badge.signed_json, VC_MEDIA_TYPE, filename), badge.recipient)


@require_http_methods(["GET", "HEAD"])
def image(request: HttpRequest, credential_uuid: str, fmt: str) -> HttpResponse:
    """The rendered credential as PNG or SVG with the credential baked in."""
    if fmt not in IMAGE_TYPES:
        raise Http404
    try:
        badge = _credential(credential_uuid)
    except CredentialError as error:
        return _refused(error)
    if badge.recipient.erased_at is not None:
        return _erased(request, badge)
    with translation.override(badge.recipient.certificate.language):
        return robots_tagged(_image(request, badge, fmt), badge.recipient)


def _image(request: HttpRequest, badge: BadgeCredential, fmt: str) -> HttpResponse:
    try:
        rendered = credential_file(badge.recipient, "png").content
    except RenderError:
        return HttpResponse(status=503)
    if fmt == "png":
        content = png_bake(rendered, badge.document)
    else:
        with Image.open(io.BytesIO(rendered)) as picture:
            width, height = picture.size
        content = svg_bake(rendered, width, height, badge.document)
    response = HttpResponse(content, content_type=IMAGE_TYPES[fmt])
    if "download" in request.GET:
        try:
            _downloaded(request, badge, DOWNLOAD_FORMATS[fmt])
        except CredentialError as error:
            return _refused(error)
        response["Content-Disposition"] = f'attachment; filename="{badge.uuid}.{fmt}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Verify a credential pasted as JSON or uploaded as a JSON file or baked image;
    optionally whether an email address is the recipient's."""
    context: dict[str, Any] = {"upload_max_mb": UPLOAD_MAX // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        refused = hits_refusal(
            request, [("verify_address", throttle_address(request))], RECIPIENT_BASE
        )
        if refused is not None:
            return refused
        upload = request.FILES.get("file")
        pasted = request.POST.get("credential", "").strip()
        email = request.POST.get("email", "")[:254]
        data = upload.read(UPLOAD_MAX + 1) if upload is not None else pasted.encode()
        if not data:
            context["error"] = _("Paste a credential or choose a file.")
            status = 400
        else:
            verdict = credential_verify(data, email=email)
            context["verdict"] = verdict
            status = 410 if verdict.erased else 200 if verdict.valid else 422
            if verdict.erased:  # nothing of the erased person's is shown back
                email, pasted = "", ""
        context["email"] = email
        context["pasted"] = pasted[:UPLOAD_MAX]
    return robots_tagged(
        render_in(request, None, "badges/verify_upload.html", context, status=status)
    )
