"""`Certificate.design` is versioned, checked JSON: what is saved reads back the same;
an old, newer or broken one falls back to the built-in design and says why."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from PIL import Image

from conferral.accounts.models import Organization
from conferral.certificates.design import (
    CUSTOM_PAGE,
    DESIGN_VERSION,
    BadgeImage,
    Design,
    DesignInvalid,
    PlacedField,
    design_dump,
    design_of,
    design_read,
    design_starter,
    design_validate,
)
from conferral.certificates.design_services import (
    certificate_design_copy,
    certificate_design_update,
    design_asset_upload,
)
from conferral.certificates.models import Certificate, DesignAsset, DesignAssetKind
from conferral.certificates.services import certificate_create
from conferral.certificates.tests import design_files


def test_it_reads_back_what_it_saved(certificate: Certificate) -> None:
    design = Design(
        page="letter-portrait",
        fields=(
            PlacedField("name", 10.5, 20, 150, size=22, color="#abcdef", align="left", bold=True),
            PlacedField("attribute:Grade", 10, 60, 100, font="mono", label=True),
            PlacedField("qr", 150, 200, 30),
        ),
        background="abc_DEF-123",
        badge=BadgeImage("xyz", 5, 6, 30),
    )

    assert design_validate(design_dump(design)) == design


@pytest.mark.parametrize(
    "raw",
    [
        {"version": 0, "page": "a4-landscape", "fields": []},
        {"version": DESIGN_VERSION + 1, "page": "a4-landscape", "fields": []},
        {"page": "a4-landscape", "fields": []},
        ["not", "a", "design"],
        {"version": DESIGN_VERSION, "page": "a4-landscape", "fields": "name"},
    ],
    ids=["old", "newer", "no-version", "list", "fields-not-a-list"],
)
def test_it_falls_back_to_the_built_in_design(certificate: Certificate, raw: object) -> None:
    certificate.design = raw
    certificate.save()

    read = design_read(certificate.design)

    assert read.design is None
    assert read.problem
    assert design_of(certificate) is None


def test_it_uses_the_built_in_design_when_nothing_is_saved(certificate: Certificate) -> None:
    assert design_read({}) == design_read(None)
    assert design_read({}).problem == ""
    assert design_of(certificate) is None


def test_it_lists_every_problem() -> None:
    raw = {
        "version": DESIGN_VERSION,
        "page": "a5",
        "fields": [
            {"key": "name", "x": 10, "y": 10, "width": 100, "color": "red", "align": "justify"},
            {"key": "name", "x": 10, "y": 10, "width": 100},
            {"key": "password", "x": 1, "y": 1, "width": 1},
            {"key": "qr", "x": True, "y": 1, "width": 0},
        ],
    }

    with translation.override("en"), pytest.raises(DesignInvalid) as caught:
        design_validate(raw)

    errors = caught.value.errors
    assert "Page: the page size is not one of the choices." in errors
    assert "Recipient name: the colour must look like #1f2933." in errors
    assert "Recipient name: the alignment is not one of the choices." in errors
    assert "Recipient name is placed twice." in errors
    assert "The design places a field that does not exist." in errors
    assert "QR code to the verification page: the left edge (mm) must be a number." in errors
    assert any("the width (mm) must be between 1 and" in e for e in errors)


def test_it_refuses_an_image_of_another_certificate(
    certificate: Certificate, other_org: Organization
) -> None:
    foreign_certificate = certificate_create(organization=other_org, name="Theirs")
    asset = design_asset_upload(
        certificate=foreign_certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.png()
    )

    with pytest.raises(DesignInvalid):
        certificate_design_update(
            certificate=certificate,
            design=Design(page="a4-landscape", background=asset.public_id),
        )

    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_stores_a_phone_photo_the_right_way_up(certificate: Certificate) -> None:
    asset = design_asset_upload(
        certificate=certificate,
        kind=DesignAssetKind.BACKGROUND,
        data=design_files.jpeg_sideways(600, 420),
    )

    with Image.open(io.BytesIO(bytes(asset.data))) as stored:
        assert stored.size == (600, 420) == (asset.width, asset.height)
        assert stored.getexif().get(0x0112, 1) == 1
        top = stored.convert("RGB").getpixel((300, 20))  # the top band
    assert isinstance(top, tuple)
    red, green, _blue = top
    assert red > 180
    assert green < 80


def test_it_keeps_an_upright_jpeg_byte_for_byte(certificate: Certificate) -> None:
    data = design_files.jpeg()
    asset = design_asset_upload(certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=data)
    assert bytes(asset.data) == data


def test_it_deletes_images_the_design_no_longer_names(certificate: Certificate) -> None:
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.png()
    )
    assert DesignAsset.objects.filter(certificate=certificate).count() == 1

    certificate_design_update(certificate=certificate, design=design_starter(certificate))

    assert not DesignAsset.objects.filter(certificate=certificate).exists()


def test_it_copies_a_design_with_its_own_images(
    certificate: Certificate, org: Organization
) -> None:
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.pdf()
    )
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BADGE, data=design_files.png(100, 100)
    )
    certificate.refresh_from_db()
    copy = certificate_create(organization=org, name="Copy")

    certificate_design_copy(source=certificate, target=copy)

    original, copied = design_of(certificate), design_of(copy)
    assert original is not None
    assert copied is not None
    assert copied.fields == original.fields
    assert copied.background is not None
    assert copied.background != original.background
    assert copied.badge is not None
    assert original.badge is not None
    assert copied.badge.asset != original.badge.asset
    assert DesignAsset.objects.filter(certificate=copy).count() == 2
    assert DesignAsset.objects.filter(certificate=certificate).count() == 2


def test_it_reads_back_a_custom_page_size() -> None:
    design = Design(
        page=CUSTOM_PAGE, size=(400.0, 250.5), fields=(PlacedField("name", 390, 240, 10),)
    )

    assert design_validate(design_dump(design)) == design
    with pytest.raises(DesignInvalid):
        design_validate({**design_dump(design), "size": [5000, 1]})
    with pytest.raises(DesignInvalid):
        design_validate({**design_dump(design), "size": None})


def test_it_takes_the_proportions_of_a_background(certificate: Certificate) -> None:
    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.pdf()
    )
    certificate.refresh_from_db()
    a4 = design_of(certificate)
    assert a4 is not None
    assert a4.page == "a4-landscape"  # an A4 PDF fits the starting page

    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.png(800, 800)
    )
    certificate.refresh_from_db()
    square = design_of(certificate)
    assert square is not None
    assert (square.page, square.size) == (CUSTOM_PAGE, (297.0, 297.0))

    design_asset_upload(
        certificate=certificate, kind=DesignAssetKind.BACKGROUND, data=design_files.pdf(1, 360, 720)
    )
    certificate.refresh_from_db()
    tall = design_of(certificate)
    assert tall is not None
    assert tall.size == (127.0, 254.0)  # the PDF's own size, 5 by 10 inches
    assert all(f.x < 127 and f.width <= 127 for f in tall.fields)
