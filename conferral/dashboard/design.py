"""The Design tab of a certificate: the fields placed by dragging or by numbers, font,
size, colour and alignment, an uploaded background or badge image, and a live preview
drawn by the real renderer for a sample recipient, the longest name on the list and a
name in a right-to-left script. Viewers see it; owners and admins change it. Every
object is fetched through the access helpers: a foreign one is a 404."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from conferral.certificates.design import (
    ALIGNS,
    ATTRIBUTE_PREFIX,
    CUSTOM_PAGE,
    DESIGN_VERSION,
    FIELDS,
    FONTS,
    MAX_FIELDS,
    PAGES,
    Design,
    DesignInvalid,
    PlacedField,
    design_read,
    design_starter,
    design_validate,
    field_label,
)
from conferral.certificates.design_services import (
    AssetInvalid,
    asset_too_large,
    certificate_design_update,
    design_asset_upload,
)
from conferral.certificates.models import Certificate, DesignAsset, DesignAssetKind, Recipient
from conferral.certificates.rendering.renderer import (
    PREVIEW_PPI,
    RenderError,
    credential_render_design,
)
from conferral.certificates.selectors import certificate_get_for_user
from conferral.dashboard.access import require_editor, user_can_edit

SAMPLES = ("sample", "longest", "rtl")
SAMPLE_NAME = "Ada Lovelace"
LONG_SAMPLE_NAME = "Maximiliane Alexandra Konstantina von Hohenzollern-Sigmaringen-Wittelsbach"
# A name in a right-to-left script (Arabic).
RTL_SAMPLE_NAME = "ليلى عبد الرحمن الخوارزمي"
SAMPLE_CREDENTIAL_ID = "SAMPLE0000000000"
SMALL_PPI = 60.0
ATTRIBUTE_SCAN = 500  # recipients read for their attribute names


@dataclass(frozen=True)
class FieldRow:
    """One row of the editor's table: a field that can be placed, and where it is."""

    index: int
    key: str
    label: str
    placed: PlacedField
    shown: bool

    @property
    def is_qr(self) -> bool:
        return self.placed.is_qr


def _attribute_keys(certificate: Certificate, design: Design) -> list[str]:
    keys: set[str] = set()
    for attributes in certificate.recipients.order_by("id").values_list("attributes", flat=True)[
        :ATTRIBUTE_SCAN
    ]:
        if isinstance(attributes, dict):
            keys.update(str(key) for key in attributes)
    keys.update(f.attribute for f in design.fields if f.attribute is not None)
    return sorted(keys, key=str.casefold)


def _unplaced(key: str, design: Design, index: int) -> PlacedField:
    """Where a field starts when it is first ticked: stacked down the page's middle."""
    if key == "qr":
        side = round(min(design.width, design.height) / 6, 2)
        return PlacedField(key, round(design.width - side - 15, 2), 15, side)
    y = min(design.height - 10, 15 + 12 * index)
    return PlacedField(key, round(design.width * 0.1, 2), y, round(design.width * 0.8, 2))


def _rows(certificate: Certificate, design: Design) -> list[FieldRow]:
    keys = list(FIELDS) + [f"{ATTRIBUTE_PREFIX}{k}" for k in _attribute_keys(certificate, design)]
    rows = []
    for index, key in enumerate(keys[: MAX_FIELDS + len(FIELDS)]):
        placed = design.field(key)
        rows.append(
            FieldRow(
                index=index,
                key=key,
                label=field_label(key),
                placed=placed or _unplaced(key, design, index),
                shown=placed is not None,
            )
        )
    return rows


def _design_from_form(data: QueryDict, base: Design) -> Design:
    """The design the editor's form describes; images come from the saved design."""
    fields: list[dict[str, Any]] = []
    for index in range(4 * MAX_FIELDS):
        key = data.get(f"f-{index}-key")
        if key is None:
            break
        if not data.get(f"f-{index}-on"):
            continue
        item: dict[str, Any] = {"key": key}
        for name in ("x", "y", "width", "size", "color", "align", "font"):
            value = data.get(f"f-{index}-{name}")
            if value is not None:
                item[name] = value
        item["bold"] = bool(data.get(f"f-{index}-bold"))
        item["label"] = bool(data.get(f"f-{index}-label"))
        fields.append(item)
    badge = None
    if base.badge is not None:
        badge = {
            "asset": base.badge.asset,
            "x": data.get("badge-x", base.badge.x),
            "y": data.get("badge-y", base.badge.y),
            "width": data.get("badge-width", base.badge.width),
        }
    raw = {
        "version": DESIGN_VERSION,
        "page": data.get("page", base.page),
        "size": [data.get("page-width", base.width), data.get("page-height", base.height)],
        "background": base.background,
        "badge": badge,
        "fields": fields,
    }
    return design_validate(raw)


def _assets(certificate: Certificate) -> dict[str, DesignAsset]:
    rows = DesignAsset.objects.filter(certificate=certificate).defer("data")
    return {asset.public_id: asset for asset in rows}


def _editor(
    request: HttpRequest,
    certificate: Certificate,
    *,
    errors: list[str] | None = None,
    upload_error: str = "",
    status: int = 200,
) -> HttpResponse:
    read = design_read(certificate.design)
    design = read.design or design_starter(certificate)
    assets = _assets(certificate)
    background = assets.get(design.background or "")
    badge = assets.get(design.badge.asset) if design.badge else None
    context = {
        "certificate": certificate,
        "tab": "design",
        "can_edit": user_can_edit(request.user, certificate.organization),
        "custom": read.design is not None,
        "problem": read.problem,
        "design": design,
        "rows": _rows(certificate, design),
        "pages": [(key, label, w, h) for key, (label, w, h) in PAGES.items()],
        "custom_page": CUSTOM_PAGE,
        "page_sizes": json.dumps({key: [w, h] for key, (_l, w, h) in PAGES.items()}),
        "fonts": list(FONTS.items()),
        "aligns": list(ALIGNS.items()),
        "samples": [
            ("sample", _("A recipient on the list")),
            ("longest", _("The longest name on the list")),
            ("rtl", _("A name in a right-to-left script")),
        ],
        "background": background,
        "badge": badge,
        "badge_ratio": (badge.height / badge.width) if badge and badge.width else 1,
        "errors": errors or [],
        "upload_error": upload_error,
        "max_bytes": settings.DESIGN_MAX_BYTES,
    }
    return render(request, "dashboard/design.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_design(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """GET shows the editor; POST saves the form, or goes back to the built-in design,
    or removes the background or badge image."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    if request.method != "POST":
        return _editor(request, certificate)
    require_editor(request.user, certificate.organization)
    action = request.POST.get("action", "save")
    saved = design_read(certificate.design).design or design_starter(certificate)
    try:
        if action == "reset":
            certificate_design_update(certificate=certificate, design=None)
            messages.success(request, _("The certificate uses the built-in design again."))
        elif action == "remove-background":
            certificate_design_update(
                certificate=certificate, design=replace(saved, background=None)
            )
            messages.success(request, _("The background was removed."))
        elif action == "remove-badge":
            certificate_design_update(certificate=certificate, design=replace(saved, badge=None))
            messages.success(request, _("The badge image was removed."))
        else:
            design = _design_from_form(request.POST, saved)
            certificate_design_update(certificate=certificate, design=design)
            messages.success(request, _("The design was saved."))
    except DesignInvalid as invalid:
        return _editor(request, certificate, errors=invalid.errors, status=400)
    return redirect("dashboard:certificate_design", certificate_id=certificate.public_id)


@login_required
@require_POST
def certificate_design_upload(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """Upload a background (PNG, JPEG or a one-page PDF) or a badge image (PNG, JPEG)."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    require_editor(request.user, certificate.organization)
    kind = request.POST.get("kind", DesignAssetKind.BACKGROUND)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise AssetInvalid(_("Choose a file to upload."))
        if upload.size is not None and upload.size > settings.DESIGN_MAX_BYTES:
            raise asset_too_large(upload.size)
        data = upload.read(settings.DESIGN_MAX_BYTES + 1)
        design_asset_upload(certificate=certificate, kind=kind, data=data)
    except AssetInvalid as invalid:
        return _editor(request, certificate, upload_error=invalid.message, status=400)
    except DesignInvalid as invalid:
        return _editor(request, certificate, errors=invalid.errors, status=400)
    if kind == DesignAssetKind.BADGE:
        messages.success(request, _("The badge image was uploaded."))
    else:
        messages.success(request, _("The background was uploaded."))
    return redirect("dashboard:certificate_design", certificate_id=certificate.public_id)


def _sample(certificate: Certificate, which: str, attribute_keys: list[str]) -> Recipient:
    """The recipient a preview shows: one from the list, the longest name on it, or a
    made-up name in Arabic (also when the list is empty)."""
    found: Recipient | None = None
    if which == "longest":
        found = (
            certificate.recipients.annotate(name_length=Length("name"))
            .order_by("-name_length", "id")
            .first()
        )
    elif which == "sample":
        found = certificate.recipients.order_by("id").first()
    if found is not None:
        found.certificate = certificate
        return found
    name = {"sample": SAMPLE_NAME, "longest": LONG_SAMPLE_NAME}.get(which, RTL_SAMPLE_NAME)
    return Recipient(
        certificate=certificate,
        name=name,
        credential_id=SAMPLE_CREDENTIAL_ID,
        attributes={key: key for key in attribute_keys},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def certificate_design_preview(request: HttpRequest, certificate_id: str) -> HttpResponse:
    """A PNG of the design for one sample: the saved design, or with `draft=1` the
    unsaved one the editor's form describes (nothing is saved)."""
    certificate = certificate_get_for_user(request.user, certificate_id)
    which = request.GET.get("sample", "sample")
    if which not in SAMPLES:
        which = "sample"
    read = design_read(certificate.design)
    design: Design | None = read.design
    if request.GET.get("draft"):
        try:
            design = _design_from_form(request.GET, design or design_starter(certificate))
        except DesignInvalid as invalid:
            return _plain(" ".join(invalid.errors), 400)
    keys = _attribute_keys(certificate, design or design_starter(certificate))
    ppi = SMALL_PPI if request.GET.get("size") == "small" else PREVIEW_PPI
    try:
        png = credential_render_design(_sample(certificate, which, keys), design, "png", ppi)
    except RenderError:
        return _plain(_("The preview could not be drawn."), 503)
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="preview.png"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)
    response["X-Content-Type-Options"] = "nosniff"
    return response
