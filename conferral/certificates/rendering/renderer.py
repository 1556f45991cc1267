"""Compile a credential to PDF or PNG with typst.

The compiler is built once per process from the template's file path (it keeps its
parsed sources and loaded fonts) and reused for every credential; a lock serialises
compilations because one compiler holds one set of inputs at a time."""

from __future__ import annotations

import json
import logging
import threading
from functools import cache
from pathlib import Path
from typing import Literal

import typst
from django.conf import settings

from conferral.certificates.models import Recipient
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
    """The design could not be compiled."""


def font_paths() -> list[str]:
    return [str(p) for p in map(Path, settings.FONT_PATHS) if p.is_dir()]


@cache
def _compiler() -> typst.Compiler:
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=font_paths()
    )
    return typst.Compiler(str(MAIN), root=str(TEMPLATES), font_paths=fonts)


def render(fields: dict[str, object], qr: str, fmt: Format, ppi: float | None = None) -> bytes:
    """Compile the built-in design with these field values and QR SVG."""
    inputs = {"data": json.dumps(fields, ensure_ascii=False), "qr": qr}
    with _lock:
        compiler = _compiler()
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
    """The recipient's credential as PDF or PNG bytes."""
    fields = credential_fields(recipient)
    return render(fields, qr_svg(str(fields["verify_url"])), fmt, ppi)
