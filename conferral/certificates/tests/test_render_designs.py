"""The built-in designs: landscape A4 for a certificate, a square page for a badge,
PDF and PNG from the same renderer, with the verification QR code."""

from __future__ import annotations

import datetime as dt
import io
import struct
from collections.abc import Callable

from pypdf import PdfReader

from conferral.accounts.models import Organization
from conferral.certificates.models import Kind, Language, Recipient
from conferral.certificates.rendering.renderer import credential_render
from conferral.certificates.services import certificate_create
from conferral.testing.pdf import pdf_text

A4_LANDSCAPE = (841.89, 595.28)


def _page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_it_renders_a_certificate_on_landscape_a4(
    add_recipients: Callable[..., list[Recipient]], org: Organization
) -> None:
    certificate = certificate_create(
        organization=org,
        name="Data Science",
        issue_date=dt.date(2026, 2, 3),
        expires_at=dt.date(2028, 2, 3),
    )
    (recipient,) = add_recipients(("Grace Hopper", "grace@example.org"), cert=certificate)

    pdf = credential_render(recipient, "pdf")

    assert _page_size(pdf) == A4_LANDSCAPE
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = pdf_text(pdf)
    # The issuer is set in spaced capitals, which text extraction spreads apart.
    assert "ACMEACADEMY" in text.replace(" ", "")
    for expected in (
        "Grace Hopper",
        "Data Science",
        "Feb. 3, 2026",
        "Feb. 3, 2028",
        recipient.credential_id,
    ):
        assert expected in text


def test_it_renders_a_badge_on_a_square_page(
    add_recipients: Callable[..., list[Recipient]], org: Organization
) -> None:
    badge = certificate_create(organization=org, name="Speaker 2026", kind=Kind.BADGE)
    (recipient,) = add_recipients(("Alan Turing", "alan@example.org"), cert=badge)

    pdf = credential_render(recipient, "pdf")
    png = credential_render(recipient, "png")

    width, height = _page_size(pdf)
    assert width == height
    assert "Alan Turing" in pdf_text(pdf)
    png_width, png_height = _png_size(png)
    assert png_width == png_height > 500


def test_it_renders_a_png_of_the_certificate(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (recipient,) = add_recipients(("Grace Hopper", "grace@example.org"))

    width, height = _png_size(credential_render(recipient, "png"))

    assert width > height > 1000


def test_it_writes_the_labels_in_the_certificate_language(
    add_recipients: Callable[..., list[Recipient]], org: Organization
) -> None:
    certificate = certificate_create(
        organization=org,
        name="Kurs",
        language=Language.DE,
        issue_date=dt.date(2026, 3, 1),
    )
    (recipient,) = add_recipients(("Jürgen", "j@example.org"), cert=certificate)

    text = pdf_text(credential_render(recipient, "pdf"))

    assert "1. März 2026" in text


def test_it_fits_a_name_of_the_longest_allowed_length(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    name = " ".join(["Bartholomew"] * 16)[:200]
    (recipient,) = add_recipients((name, "long@example.org"))

    pdf = credential_render(recipient, "pdf")

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert name in pdf_text(pdf)
