"""QR codes for the verification link, as SVG for the typst designs."""

from __future__ import annotations

import io
from functools import lru_cache
from importlib.metadata import version

import segno

# How the code is drawn (error correction M, no quiet-zone border: the design leaves
# white space around it); part of the render cache's fingerprint, with segno's version.
ERROR_CORRECTION = "m"
SVG_OPTIONS = {"xmldecl": False, "svgns": True, "border": 0, "dark": "#1f2933"}
QR_STYLE = f"segno {version('segno')} {ERROR_CORRECTION} {sorted(SVG_OPTIONS.items())}"


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> str:
    """An SVG QR code of `url`. Choosing the mask costs several milliseconds, so it is
    done once per link in a process, and only when typst compiles: a download served
    from the render cache needs no QR code."""
    buffer = io.BytesIO()
    segno.make(url, error=ERROR_CORRECTION, micro=False).save(buffer, kind="svg", **SVG_OPTIONS)
    return buffer.getvalue().decode()
