"""Uploading a background or badge image in the Design tab: a good PNG, JPEG or one-page
PDF is taken; anything else is refused with its reason, and nothing is stored. An SVG is
never stored, so it is never served, let alone as active content."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from conferral.certificates.design import design_of
from conferral.certificates.models import Certificate, DesignAsset
from conferral.certificates.tests import design_files


def _upload(
    client: Client, certificate: Certificate, data: bytes, name: str, kind: str = "background"
) -> str:
    url = reverse("dashboard:certificate_design_upload", args=[certificate.public_id])
    content_type = "image/png" if name.endswith(".png") else "application/octet-stream"
    response = client.post(
        url,
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type=content_type)},
        follow=True,
    )
    return f"{response.status_code} {response.content.decode()}"


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (design_files.png(), "background.png", "background"),
        (design_files.jpeg(), "photo.jpg", "background"),
        (design_files.pdf(), "background.pdf", "background"),
        (design_files.png(300, 300), "badge.png", "badge"),
    ],
    ids=["png", "jpeg", "pdf", "badge"],
)
def test_it_takes_a_good_file(
    user_client: Client, certificate: Certificate, data: bytes, name: str, kind: str
) -> None:
    answer = _upload(user_client, certificate, data, name, kind)

    assert answer.startswith("200 ")
    assert "was uploaded" in answer
    asset = DesignAsset.objects.get(certificate=certificate)
    assert asset.kind == kind
    certificate.refresh_from_db()
    design = design_of(certificate)
    assert design is not None
    named = design.background if kind == "background" else design.badge and design.badge.asset
    assert named == asset.public_id


def test_it_replaces_the_previous_background(user_client: Client, certificate: Certificate) -> None:
    _upload(user_client, certificate, design_files.png(), "one.png")
    _upload(user_client, certificate, design_files.jpeg(), "two.jpg")

    (asset,) = DesignAsset.objects.filter(certificate=certificate)
    assert asset.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (design_files.TEXT, "looks-like.png", "background", "is not a PNG, JPEG or PDF image"),
        (design_files.gif(), "anim.gif", "background", "is not a PNG, JPEG or PDF image"),
        (design_files.pdf(pages=3), "three.pdf", "background", "The PDF has 3 pages."),
        (design_files.pdf(), "badge.pdf", "badge", "A badge image must be a PNG or JPEG file."),
        (design_files.pixel_bomb(), "bomb.png", "background", "The image has too many pixels"),
        (design_files.SVG, "logo.png", "background", "SVG images are not accepted"),
        (design_files.png()[:200], "cut.png", "background", "The image is damaged"),
    ],
    ids=["text", "gif", "pages", "pdf-badge", "bomb", "svg", "truncated"],
)
def test_it_refuses_a_bad_file_with_its_reason(
    user_client: Client, certificate: Certificate, data: bytes, name: str, kind: str, message: str
) -> None:
    answer = _upload(user_client, certificate, data, name, kind)

    assert answer.startswith("400 ")
    assert message in answer
    assert not DesignAsset.objects.filter(certificate=certificate).exists()
    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_refuses_a_file_over_the_limit(
    user_client: Client, certificate: Certificate, settings: Settings
) -> None:
    settings.DESIGN_MAX_BYTES = 1000

    answer = _upload(user_client, certificate, design_files.png(800, 800, (1, 2, 3)) * 2, "a.png")

    assert answer.startswith("400 ")
    assert "The file is too large" in answer
    assert "1000\xa0bytes" in answer
    assert not DesignAsset.objects.exists()


def test_it_never_serves_an_svg_as_active_content(
    user_client: Client, certificate: Certificate
) -> None:
    _upload(user_client, certificate, design_files.SVG, "logo.svg")
    preview = user_client.get(
        reverse("dashboard:certificate_design_preview", args=[certificate.public_id])
    )
    page = user_client.get(reverse("dashboard:certificate_design", args=[certificate.public_id]))

    assert not DesignAsset.objects.exists()
    assert preview["Content-Type"] == "image/png"
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert b"<svg" not in preview.content
    assert "<script>alert" not in page.content.decode()
