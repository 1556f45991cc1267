"""Files the design tests upload, made on the spot: images, PDFs and things that are not."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def png(
    width: int = 600, height: int = 420, color: tuple[int, int, int] = (230, 240, 255)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(width: int = 600, height: int = 420) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (250, 235, 215)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def jpeg_sideways(width: int = 600, height: int = 420) -> bytes:
    """A photo as a phone stores one it took upright: the pixels on their side (the top
    of the picture, red, is at the left) and EXIF Orientation 6 (turn 90° clockwise)."""
    upright = Image.new("RGB", (width, height), (250, 235, 215))
    upright.paste((220, 20, 20), (0, 0, width, height // 4))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def pdf(pages: int = 1, width: float = 841.89, height: float = 595.28) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=height)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    return buffer.getvalue()


def pixel_bomb() -> bytes:
    """A small PNG of 6000 by 5000 one-bit pixels: 30 million, over the limit."""
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
TEXT = b"name,email\nAda,ada@example.org\n"
