"""Reading rendered PDFs in tests: their text and the fonts they embed."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All text of the PDF with whitespace collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def _resolve(obj: Any) -> Any:
    return obj.get_object() if hasattr(obj, "get_object") else obj


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Each font the PDF uses, by base name, and whether its program is embedded."""
    reader = PdfReader(io.BytesIO(data))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources = _resolve(page.get("/Resources")) or {}
        for font in (_resolve(resources.get("/Font")) or {}).values():
            font = _resolve(font)
            descendants = [_resolve(d) for d in _resolve(font.get("/DescendantFonts")) or []]
            for entry in [font, *descendants]:
                descriptor = _resolve(entry.get("/FontDescriptor"))
                if descriptor is None:
                    continue
                embedded = any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                fonts[str(entry.get("/BaseFont", ""))] = embedded
    return fonts
