"""QR codes for the verification link, as SVG for the typst designs."""

from __future__ import annotations

import io
from functools import lru_cache

import segno


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> str:
    """An SVG QR code of `url` (error correction M, no quiet-zone border: the
    design leaves white space around it). Choosing the mask costs a few milliseconds,
    so the page preview, the PDF and the PNG of one credential share one result."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, border=0, dark="#1f2933"
    )
    return buffer.getvalue().decode()
