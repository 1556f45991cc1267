"""Compile a credential to PDF or PNG with typst.

The compiler is built once per process from the template's file path (it keeps its
parsed sources and loaded fonts) and reused for every credential; a lock serialises
compilations because one compiler holds one set of inputs at a time.

A certificate with its own design (conferral.certificates.design) is compiled by the same
compiler: its images are written once per process into the compiler's own folder, named
by their SHA-256, and the design's fields travel as data like every other value."""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any, Literal

import typst
from django.conf import settings

from conferral.certificates.design import Design, PlacedField, design_of
from conferral.certificates.models import DesignAsset, Recipient
from conferral.certificates.rendering.fields import credential_fields
from conferral.certificates.rendering.qr import qr_svg

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAIN = TEMPLATES / "credential.typ"
PNG_PPI = 144.0
PREVIEW_PPI = 96.0

Format = Literal["pdf", "png"]

_lock = threading.Lock()


class RenderError(RuntimeError):
    """The design could not be compiled, or the files typst reads could not be written
    (a full disk): either way the visitor is asked to try again, nothing is recorded."""


def _unwritable(error: OSError) -> RenderError:
    logger.error("could not write the files typst reads: %s", error)
    return RenderError(f"could not write the files typst reads: {error}")


def font_paths() -> list[str]:
    return [str(p) for p in map(Path, settings.FONT_PATHS) if p.is_dir()]


EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}


@cache
def _root(pid: int) -> Path:
    """This process's copy of the templates, with an `assets/` folder beside them for
    the designs' images (typst reads files only below its root)."""
    try:
        root = Path(tempfile.mkdtemp(prefix=f"conferral-typst-{pid}-"))
    except OSError as error:
        raise _unwritable(error) from error
    try:
        for template in TEMPLATES.glob("*.typ"):
            shutil.copyfile(template, root / template.name)
        (root / "assets").mkdir()
    except OSError as error:
        shutil.rmtree(root, ignore_errors=True)  # the next render starts afresh
        raise _unwritable(error) from error
    atexit.register(shutil.rmtree, root, True)
    return root


@cache
def _compiler(pid: int) -> typst.Compiler:
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=font_paths()
    )
    root = _root(pid)
    return typst.Compiler(str(root / MAIN.name), root=str(root), font_paths=fonts)


def _asset_path(certificate_id: int, public_id: str | None) -> str | None:
    """The path typst reads the design's image from, written on first use; None when
    the image is gone (the design then renders without it)."""
    if not public_id:
        return None
    row = (
        DesignAsset.objects.filter(certificate_id=certificate_id, public_id=public_id)
        .values_list("pk", "sha256", "content_type")
        .first()
    )
    if row is None or row[2] not in EXTENSIONS:
        return None
    pk, sha256, content_type = row
    name = f"assets/{sha256}.{EXTENSIONS[content_type]}"
    target = _root(os.getpid()) / name
    if not target.exists():
        data = DesignAsset.objects.filter(pk=pk).values_list("data", flat=True).get()
        partial = target.with_suffix(f".{threading.get_ident()}.part")
        try:
            partial.write_bytes(bytes(data))
            partial.replace(target)
        except OSError as error:
            partial.unlink(missing_ok=True)  # never a truncated image read as whole
            raise _unwritable(error) from error
    return f"/{name}"


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


def design_inputs(design: Design, fields: dict[str, Any], certificate_id: int) -> dict[str, Any]:
    """The design as the typst template reads it: page size, image paths and each
    placed field with its text (plain strings, never markup)."""
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
    badge = None
    if design.badge is not None:
        path = _asset_path(certificate_id, design.badge.asset)
        if path is not None:
            badge = {
                "path": path,
                "x": design.badge.x,
                "y": design.badge.y,
                "width": design.badge.width,
            }
    return {
        "page": {"width": design.width, "height": design.height},
        "background": _asset_path(certificate_id, design.background),
        "badge": badge,
        "items": items,
    }


def render(fields: dict[str, object], qr: str, fmt: Format, ppi: float | None = None) -> bytes:
    """Compile the design with these field values and QR SVG: the built-in design, or
    the certificate's own when `fields` carries `design` (see design_inputs)."""
    inputs = {"data": json.dumps(fields, ensure_ascii=False), "qr": qr}
    with _lock:
        compiler = _compiler(os.getpid())
        try:
            if fmt == "png":
                output = compiler.compile(format="png", ppi=ppi or PNG_PPI, sys_inputs=inputs)
            else:
                output = compiler.compile(format="pdf", sys_inputs=inputs)
        except typst.TypstError as exc:
            logger.exception("typst could not compile the credential")
            raise RenderError(str(exc)) from exc
    if isinstance(output, list):  # one image per page; the designs have one page
        output = output[0]
    if not isinstance(output, bytes):
        raise RenderError("typst returned no document")
    return output


def credential_render(recipient: Recipient, fmt: Format, ppi: float | None = None) -> bytes:
    """The recipient's credential as PDF or PNG bytes, in the certificate's design."""
    return credential_render_design(recipient, design_of(recipient.certificate), fmt, ppi)


def credential_render_design(
    recipient: Recipient, design: Design | None, fmt: Format, ppi: float | None = None
) -> bytes:
    """The credential in this design (None: the built-in design); the editor's preview
    renders an unsaved design and a recipient not saved either."""
    fields: dict[str, Any] = credential_fields(recipient)
    if design is not None:
        fields["design"] = design_inputs(design, fields, recipient.certificate.pk)
    return render(fields, qr_svg(str(fields["verify_url"])), fmt, ppi)
