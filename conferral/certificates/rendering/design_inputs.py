"""A certificate's own design (conferral.certificates.design) as the typst template reads
it: the page size, the paths of its images and each placed field with its text.

An image is named by its SHA-256, so the inputs say which bytes the document shows and
a render key built from them changes with a new upload. Reading the inputs only looks
the images up; the renderer writes an image's file when it compiles (a cached download
never needs it).

A PDF embeds a photo as uploaded. A PNG draws it in pixels, and typst keeps a decoded
image only while one of its last ten compilations used it: with a few designs in turn,
a 300 dpi A4 background was decoded again for most PNGs (several hundred milliseconds).
So for a PNG a photo is read as raw pixels, already scaled to the size it is drawn at
(never up), which typst takes without decoding."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from conferral.certificates.design import Design, PlacedField
from conferral.certificates.models import DesignAsset

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
# Raw pixels for a PNG render: a JPEG has no transparency, a PNG may.
PIXEL_ENCODINGS = {"image/jpeg": "rgb8", "image/png": "rgba8"}
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class ImageFile:
    """A design's image as typst reads it: the DesignAsset row whose bytes are written
    as `original` below the compiler's root; with `pixels` (width, height), typst reads
    a second file instead, `name`: those raw pixels in `encoding`, scaled from the
    original."""

    asset_pk: int
    original: str
    pixels: tuple[int, int] | None = None
    encoding: str = ""

    @property
    def name(self) -> str:
        if self.pixels is None:
            return self.original
        stem = self.original.rsplit(".", 1)[0]
        return f"{stem}-{self.pixels[0]}x{self.pixels[1]}.{self.encoding}"

    @property
    def typst_image(self) -> str | dict[str, Any]:
        """What the template's `picture` reads: a path, or raw pixels with their size."""
        path = f"/{self.name}"
        if self.pixels is None:
            return path
        width, height = self.pixels
        return {"path": path, "encoding": self.encoding, "width": width, "height": height}


@dataclass(frozen=True)
class _Upload:
    pk: int
    sha256: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class DesignInputs:
    inputs: dict[str, Any]
    images: tuple[ImageFile, ...]


def _upload(certificate_id: int, public_id: str | None) -> _Upload | None:
    """The design's image by its public id; None when it is gone (the design then
    renders without it)."""
    if not public_id:
        return None
    row = (
        DesignAsset.objects.filter(certificate_id=certificate_id, public_id=public_id)
        .values_list("pk", "sha256", "content_type", "width", "height")
        .first()
    )
    if row is None or row[2] not in EXTENSIONS:
        return None
    return _Upload(*row)


def _image(upload: _Upload, drawn: tuple[float, float], ppi: float | None) -> ImageFile:
    """The file typst reads for an upload drawn over `drawn` (width, height in mm, one
    of them 0 to follow the other): raw pixels when rendering a PNG at `ppi`."""
    original = ImageFile(upload.pk, f"assets/{upload.sha256}.{EXTENSIONS[upload.content_type]}")
    encoding = PIXEL_ENCODINGS.get(upload.content_type)
    if ppi is None or encoding is None or upload.width < 1 or upload.height < 1:
        return original
    scale = min(
        1.0,
        max(
            drawn[0] * ppi / MM_PER_INCH / upload.width,
            drawn[1] * ppi / MM_PER_INCH / upload.height,
        ),
    )
    pixels = (
        max(1, math.ceil(upload.width * scale)),
        max(1, math.ceil(upload.height * scale)),
    )
    return ImageFile(upload.pk, original.original, pixels, encoding)


def _field_text(placed: PlacedField, fields: dict[str, Any]) -> str:
    attribute = placed.attribute
    if attribute is not None:
        return str(fields.get("attributes", {}).get(attribute, ""))
    value = str(fields.get(placed.key, "") or "")
    labels = fields.get("labels", {})
    label = {
        "issue_date": labels.get("issued"),
        "expires": labels.get("expires"),
        "credential_id": labels.get("credential_id"),
    }.get(placed.key)
    if placed.label and label and value:
        return f"{label} {value}"
    return value


def design_inputs(
    design: Design, fields: dict[str, Any], certificate_id: int, ppi: float | None = None
) -> DesignInputs:
    """The design for the template (plain strings, never markup) and the images it
    shows; `ppi` for a PNG render."""
    items: list[dict[str, Any]] = []
    for placed in design.fields:
        box = {"x": placed.x, "y": placed.y, "width": placed.width}
        if placed.is_qr:
            items.append({"kind": "qr", **box})
            continue
        text = _field_text(placed, fields)
        if text:
            items.append(
                {
                    "kind": "text",
                    "text": text,
                    **box,
                    "size": placed.size,
                    "color": placed.color,
                    "align": placed.align,
                    "font": placed.font,
                    "bold": placed.bold,
                }
            )
    images: list[ImageFile] = []
    badge = None
    if design.badge is not None:
        badge_upload = _upload(certificate_id, design.badge.asset)
        if badge_upload is not None:
            badge_image = _image(badge_upload, (design.badge.width, 0), ppi)
            images.append(badge_image)
            badge = {
                "image": badge_image.typst_image,
                "x": design.badge.x,
                "y": design.badge.y,
                "width": design.badge.width,
            }
    background_upload = _upload(certificate_id, design.background)
    background = None
    if background_upload is not None:
        # Drawn to cover the page: the larger of the two scales.
        background = _image(background_upload, (design.width, design.height), ppi)
        images.append(background)
    inputs = {
        "page": {"width": design.width, "height": design.height},
        "background": background.typst_image if background else None,
        "badge": badge,
        "items": items,
    }
    return DesignInputs(inputs, tuple(images))
