"""Writes of a certificate's design: saving it (`certificate_design_update`), uploading
a background or badge image (`design_asset_upload`, checked by its content, never its
file name or the client's content type: PNG, JPEG or a one-page PDF; no SVG; size and
pixel limits), and copying a design with its images (`certificate_design_copy`)."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from conferral.certificates.design import (
    CUSTOM_PAGE,
    JPEG,
    MAX_PIXELS,
    MM_PER_POINT,
    PAGE_MAX,
    PAGE_MIN,
    PDF,
    PNG,
    BadgeImage,
    Design,
    DesignInvalid,
    design_dump,
    design_of,
    design_read,
    design_starter,
)
from conferral.certificates.models import Certificate, DesignAsset, DesignAssetKind
from conferral.core import ids

logger = logging.getLogger(__name__)


class AssetInvalid(ValueError):
    """An uploaded background or badge image was refused; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _assets_named(design: Design) -> set[str]:
    named = {design.background, design.badge.asset if design.badge else None}
    return {asset for asset in named if asset}


def _check_assets(certificate: Certificate, design: Design) -> None:
    wanted = _assets_named(design)
    if not wanted:
        return
    found = set(
        DesignAsset.objects.filter(certificate=certificate, public_id__in=wanted).values_list(
            "public_id", flat=True
        )
    )
    if wanted - found:
        raise DesignInvalid([_("The design names an image that does not exist.")])


def certificate_design_update(*, certificate: Certificate, design: Design | None) -> Certificate:
    """Save the certificate's design (None: back to the built-in design). Images no
    longer named by the design are deleted."""
    with transaction.atomic():
        if design is not None:
            _check_assets(certificate, design)
        certificate.design = design_dump(design) if design is not None else {}
        certificate.save(update_fields=["design", "updated_at"])
        keep = _assets_named(design) if design is not None else set()
        DesignAsset.objects.filter(certificate=certificate).exclude(public_id__in=keep).delete()
    return certificate


@dataclass(frozen=True)
class AssetInfo:
    content_type: str
    width: int
    height: int


def asset_too_large(size: int) -> AssetInvalid:
    """The refusal of a file of `size` bytes, over CONFERRAL_DESIGN_MAX_BYTES."""
    return AssetInvalid(
        _("The file is too large: %(size)s. At most %(limit)s are accepted.")
        % {"size": filesizeformat(size), "limit": filesizeformat(settings.DESIGN_MAX_BYTES)}
    )


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (
        head.startswith((b"<?xml", b"<svg", b"<!doctype svg"))
        or b"<svg" in head
        or head.startswith(b"\x1f\x8b")  # gzip: SVGZ, or something else we do not read
    )


def design_asset_check(data: bytes, kind: str) -> AssetInfo:
    """What an uploaded file is, judged by its content alone; AssetInvalid says why it
    is refused."""
    limit = settings.DESIGN_MAX_BYTES
    if not data:
        raise AssetInvalid(_("The file is empty."))
    if len(data) > limit:
        raise asset_too_large(len(data))
    if data.startswith(b"%PDF-"):
        if kind != DesignAssetKind.BACKGROUND:
            raise AssetInvalid(_("A badge image must be a PNG or JPEG file."))
        return _pdf_check(data)
    if _looks_like_svg(data):
        raise AssetInvalid(
            _(
                "SVG images are not accepted, as they can carry scripts. Please upload a PNG, "
                "JPEG or PDF file."
            )
        )
    return _image_check(data)


def _pdf_check(data: bytes) -> AssetInfo:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AssetInvalid(_("The PDF is password-protected. Please upload it unprotected."))
        pages = len(reader.pages)
        box = reader.pages[0].mediabox if pages else None
    except AssetInvalid:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, OSError) as exc:
        logger.info("design upload: unreadable PDF: %s", exc)
        raise AssetInvalid(_("The PDF file could not be read.")) from exc
    if pages != 1 or box is None:
        raise AssetInvalid(
            _("The PDF has %(count)s pages. A background must be a PDF of one page.")
            % {"count": pages}
        )
    return AssetInfo(PDF, round(float(box.width)), round(float(box.height)))


def _image_check(data: bytes) -> AssetInfo:
    not_an_image = _("This file is not a PNG, JPEG or PDF image.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
    except Image.DecompressionBombError as exc:
        raise AssetInvalid(_too_many_pixels(0, 0)) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AssetInvalid(not_an_image) from exc
    if kind not in ("PNG", "JPEG"):
        raise AssetInvalid(not_an_image)
    if width * height > MAX_PIXELS:
        raise AssetInvalid(_too_many_pixels(width, height))
    try:  # decode it all: a truncated or damaged file is refused now, not at rendering
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise AssetInvalid(_("The image is damaged and could not be read.")) from exc
    return AssetInfo(PNG if kind == "PNG" else JPEG, width, height)


EXIF_ORIENTATION = 0x0112
JPEG_QUALITY = 95


def upright(data: bytes, info: AssetInfo) -> tuple[bytes, AssetInfo]:
    """A JPEG as it is meant to be seen. Phones store a photo as the sensor read it and
    an EXIF Orientation tag saying how to turn it; the renderer ignores the tag, so a
    photo taken upright would print on its side. Turned once here, and stored turned
    (re-encoded at quality 95, its colour profile kept)."""
    if info.content_type != JPEG:
        return data, info
    with Image.open(io.BytesIO(data)) as image:
        if image.getexif().get(EXIF_ORIENTATION, 1) in (0, 1):
            return data, info
        turned = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        turned.save(out, "JPEG", quality=JPEG_QUALITY, icc_profile=image.info.get("icc_profile"))
    return out.getvalue(), replace(info, width=turned.width, height=turned.height)


def _too_many_pixels(width: int, height: int) -> str:
    limit = {"limit": f"{MAX_PIXELS / 1_000_000:g}"}
    if not width:
        return _("The image has too many pixels: at most %(limit)s million are accepted.") % limit
    return _(
        "The image has too many pixels (%(width)s by %(height)s): at most %(limit)s million "
        "are accepted."
    ) % {**limit, "width": width, "height": height}


def _page_for_background(design: Design, info: AssetInfo) -> Design:
    """The design on a page of the background's proportions: the page it has when they
    match (within 2 %), else a custom page (a PDF's own size; an image keeps the page's
    longer side). Fields pushed off the smaller page move back onto it."""
    if not info.width or not info.height:
        return design
    ratio = info.width / info.height
    if abs(ratio - design.width / design.height) <= 0.02 * ratio:
        return design
    if info.content_type == PDF:
        width, height = info.width * MM_PER_POINT, info.height * MM_PER_POINT
    else:
        longer = max(design.width, design.height)
        width, height = (longer, longer / ratio) if ratio >= 1 else (longer * ratio, longer)
    width = round(min(max(width, PAGE_MIN), PAGE_MAX), 2)
    height = round(min(max(height, PAGE_MIN), PAGE_MAX), 2)
    fields = tuple(
        replace(
            f,
            x=min(f.x, round(width - 1, 2)),
            y=min(f.y, round(height - 1, 2)),
            width=min(f.width, width),
        )
        for f in design.fields
    )
    badge = design.badge and replace(
        design.badge,
        x=min(design.badge.x, round(width - 1, 2)),
        y=min(design.badge.y, round(height - 1, 2)),
        width=min(design.badge.width, width),
    )
    return replace(design, page=CUSTOM_PAGE, size=(width, height), fields=fields, badge=badge)


def design_asset_upload(*, certificate: Certificate, kind: str, data: bytes) -> DesignAsset:
    """Check and store a background or badge image and put it into the certificate's
    design (which starts from the starter layout if none is saved); the image it
    replaces is deleted."""
    if kind not in DesignAssetKind.values:
        raise AssetInvalid(_("Choose whether the file is a background or a badge image."))
    data, info = upright(data, design_asset_check(data, kind))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        design = design_of(certificate) or design_starter(certificate)
        asset = DesignAsset.objects.create(
            certificate=certificate,
            kind=kind,
            content_type=info.content_type,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            width=info.width,
            height=info.height,
        )
        if kind == DesignAssetKind.BACKGROUND:
            design = _page_for_background(replace(design, background=asset.public_id), info)
        else:
            old = design.badge
            side = min(30.0, design.width / 4)
            design = replace(
                design,
                badge=BadgeImage(
                    asset=asset.public_id,
                    x=old.x if old else 12.0,
                    y=old.y if old else 12.0,
                    width=old.width if old else side,
                ),
            )
        certificate_design_update(certificate=certificate, design=design)
    return asset


def certificate_design_copy(*, source: Certificate, target: Certificate) -> Certificate:
    """Give `target` the design of `source`, with its own copies of the images (a
    design names images of its own certificate only). For duplicating a certificate."""
    design = design_read(source.design).design
    if design is None:
        return certificate_design_update(certificate=target, design=None)
    with transaction.atomic():
        renamed: dict[str, str] = {}
        for asset in DesignAsset.objects.filter(
            certificate=source, public_id__in=_assets_named(design)
        ):
            old_id = asset.public_id
            asset.pk = None
            asset.public_id = ids.public_id()
            asset.certificate = target
            asset._state.adding = True
            asset.save()
            renamed[old_id] = asset.public_id
        copied = replace(
            design,
            background=renamed.get(design.background or ""),
            badge=(
                replace(design.badge, asset=renamed[design.badge.asset])
                if design.badge and design.badge.asset in renamed
                else None
            ),
        )
        return certificate_design_update(certificate=target, design=copied)
