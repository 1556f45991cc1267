"""A certificate's own design: the fields placed in the editor show in the PDF and the
PNG, on the design's page, over its background."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from pypdf import PdfReader

from conferral.accounts.models import Organization
from conferral.certificates.design import ATTRIBUTE_PREFIX, Design, PlacedField
from conferral.certificates.design_services import certificate_design_update, design_asset_upload
from conferral.certificates.models import Certificate, DesignAssetKind, Recipient
from conferral.certificates.rendering.renderer import credential_render
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.certificates.tests import design_files
from conferral.testing.pdf import pdf_text

A4_PORTRAIT = (595.28, 841.89)


def _page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def _design(*fields: PlacedField, page: str = "a4-portrait") -> Design:
    return Design(page=page, fields=fields)


def test_it_shows_every_placed_field_in_the_pdf(org: Organization) -> None:
    certificate = certificate_create(
        organization=org,
        name="Data Science",
        issue_date=dt.date(2026, 2, 3),
        expires_at=dt.date(2028, 2, 3),
    )
    (recipient,) = recipients_add(
        certificate=certificate,
        rows=[RawRow(1, "Grace Hopper", "grace@example.org", {"Grade": "Distinction"})],
    ).recipients
    certificate_design_update(
        certificate=certificate,
        design=_design(
            PlacedField("name", 20, 40, 170, size=30, color="#aa0000", font="serif", bold=True),
            PlacedField("certificate", 20, 80, 170, size=18, align="left"),
            PlacedField("issue_date", 20, 120, 80, size=10, label=True),
            PlacedField("expires", 110, 120, 80, size=10, align="right"),
            PlacedField(f"{ATTRIBUTE_PREFIX}Grade", 20, 140, 170, size=12, font="mono"),
            PlacedField("credential_id", 20, 160, 170, size=9),
            PlacedField("qr", 80, 200, 40),
        ),
    )
    recipient.refresh_from_db()

    pdf = credential_render(recipient, "pdf")

    assert _page_size(pdf) == A4_PORTRAIT
    text = pdf_text(pdf)
    for expected in (
        "Grace Hopper",
        "Data Science",
        "Issued on Feb. 3, 2026",
        "Feb. 3, 2028",
        "Distinction",
        recipient.credential_id,
    ):
        assert expected in text
    # Only what was placed: the built-in design's labels are gone.
    assert "This is awarded to" not in text
    assert "Acme Academy".upper() not in text.replace(" ", "")


def test_it_renders_the_design_over_a_pdf_background_as_png(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (recipient,) = add_recipients(("Alan Turing", "alan@example.org"))
    certificate_design_update(
        certificate=certificate,
        design=_design(PlacedField("name", 10, 10, 100), page="a4-landscape"),
    )
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.pdf()
    )
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BADGE, data=design_files.png(200, 200)
    )
    recipient.refresh_from_db()

    png = credential_render(recipient, "png")
    pdf = credential_render(recipient, "pdf")

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "Alan Turing" in pdf_text(pdf)
    assert certificate.design_assets.count() == 2


def test_it_keeps_a_long_name_whole_on_one_page(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    name = " ".join(["Bartholomew"] * 16)[:200]
    (recipient,) = add_recipients((name, "long@example.org"))
    certificate_design_update(
        certificate=certificate, design=_design(PlacedField("name", 20, 40, 170, size=40))
    )
    recipient.refresh_from_db()

    pdf = credential_render(recipient, "pdf")

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert name in pdf_text(pdf)


def test_it_renders_a_right_to_left_name(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    names = ["محمد بن موسى الخوارزمي", "נועה כהן-לוי"]
    people = add_recipients(*[(name, f"p{i}@example.org") for i, name in enumerate(names)])
    certificate_design_update(
        certificate=certificate,
        design=_design(PlacedField("name", 20, 40, 170, size=28, align="right")),
    )

    for person, name in zip(people, names, strict=True):
        person.refresh_from_db()
        text = pdf_text(credential_render(person, "pdf"))
        # Right-to-left text is extracted in visual order: check word by word.
        for word in name.replace("-", " ").split():
            assert word in text
