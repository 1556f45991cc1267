"""A design's photos in a PNG: read as raw pixels scaled to the size they are drawn at
(typst then never decodes them again), with their colours and transparency intact."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from PIL import Image

from conferral.certificates.design import Design, PlacedField
from conferral.certificates.design_services import certificate_design_update, design_asset_upload
from conferral.certificates.models import Certificate, DesignAsset, DesignAssetKind, Recipient
from conferral.certificates.rendering import renderer
from conferral.certificates.rendering.renderer import credential_render

RED = (200, 10, 10)
BLUE = (10, 20, 210)


def _upload(certificate: Certificate, kind: str, image: Image.Image, fmt: str) -> DesignAsset:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=95)
    return design_asset_upload(certificate=certificate, kind=kind, data=buffer.getvalue())


def _close(image: Image.Image, at: tuple[int, int], color: tuple[int, int, int]) -> bool:
    pixel = image.getpixel(at)
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 8 for a, b in zip(pixel, color, strict=True))


def test_it_draws_a_photo_from_pixels_scaled_to_the_page(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (person,) = add_recipients(("Grace Hopper", "grace@example.org"))
    certificate_design_update(
        certificate=certificate,
        design=Design(page="a4-landscape", fields=(PlacedField("name", 20, 90, 250),)),
    )
    background = _upload(
        certificate, DesignAssetKind.BACKGROUND, Image.new("RGB", (2000, 1400), RED), "JPEG"
    )
    half_clear = Image.new("RGBA", (400, 400), (*BLUE, 255))
    half_clear.paste((0, 0, 0, 0), (200, 0, 400, 400))
    _upload(certificate, DesignAssetKind.BADGE, half_clear, "PNG")
    person.refresh_from_db()

    png = Image.open(io.BytesIO(credential_render(person, "png"))).convert("RGB")

    assert png.size == (1497, 1058)
    assert _close(png, (1400, 1000), RED)
    badge = DesignAsset.objects.get(kind=DesignAssetKind.BADGE)
    # The badge's left half is blue, its clear right half shows the background.
    assert _close(png, (66, 100), BLUE)
    assert _close(png, (66 + 90, 100), RED)
    assets = renderer._root(os.getpid()) / "assets"
    # Covering the page at 128 ppi takes 1512 x 1059 of the photo's 2000 x 1400 pixels.
    pixels = assets / f"{background.sha256}-1512x1059.rgb8"
    assert pixels.stat().st_size == 1512 * 1059 * 3
    assert (assets / f"{background.sha256}.jpg").exists()  # what the PDF embeds
    assert list(assets.glob(f"{badge.sha256}-*.rgba8"))
    assert credential_render(person, "pdf").startswith(b"%PDF-")


def test_it_keeps_the_shades_of_a_sixteen_bit_grey_image(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (person,) = add_recipients(("Grace Hopper", "grace@example.org"))
    certificate_design_update(certificate=certificate, design=Design(page="a4-landscape"))
    _upload(certificate, DesignAssetKind.BACKGROUND, Image.new("I;16", (600, 420), 32768), "PNG")
    person.refresh_from_db()

    png = Image.open(io.BytesIO(credential_render(person, "png"))).convert("RGB")

    assert _close(png, (700, 500), (128, 128, 128))
