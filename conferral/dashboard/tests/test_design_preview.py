"""The live preview: a PNG drawn by the real renderer for a sample recipient, the longest
name on the list and a name in a right-to-left script, of the saved or the unsaved
design; never cached, never sniffed as anything but an image."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard import design as design_view


def _preview(certificate: Certificate, **params: str) -> str:
    url = reverse("dashboard:certificate_design_preview", args=[certificate.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


DRAFT = {
    "draft": "1",
    "page": "a4-portrait",
    "f-0-key": "name",
    "f-0-on": "1",
    "f-0-x": "20",
    "f-0-y": "40",
    "f-0-width": "170",
    "f-0-size": "30",
    "f-0-color": "%23112233",
    "f-0-align": "center",
    "f-0-font": "sans",
}


def test_it_draws_the_saved_design_as_a_png(user_client: Client, certificate: Certificate) -> None:
    response = user_client.get(_preview(certificate))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    width, height = _png_size(response.content)
    assert width > height  # the built-in certificate: landscape


def test_it_draws_the_unsaved_design_without_saving_it(
    user_client: Client, certificate: Certificate
) -> None:
    response = user_client.get(_preview(certificate, **DRAFT))

    assert response.status_code == 200
    width, height = _png_size(response.content)
    assert height > width  # A4 portrait, as the form says
    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_explains_an_unsaved_design_it_cannot_draw(
    user_client: Client, certificate: Certificate
) -> None:
    response = user_client.get(_preview(certificate, **{**DRAFT, "f-0-x": "-5"}))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "must be between 0 and 210" in response.content.decode()


@pytest.mark.parametrize("sample", ["sample", "longest", "rtl"])
def test_it_draws_each_sample(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    sample: str,
) -> None:
    add_recipients(("Ada", "ada@example.org"), ("Bartholomew " * 15, "b@example.org"))

    response = user_client.get(_preview(certificate, **DRAFT, sample=sample, size="small"))

    assert response.status_code == 200
    assert _png_size(response.content)[0] > 100


def test_it_picks_the_longest_name_and_a_right_to_left_one(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    long_name = "Maria " * 30
    add_recipients(("Ada", "ada@example.org"), (long_name.strip(), "m@example.org"))

    longest = design_view._sample(certificate, "longest", [])
    rtl = design_view._sample(certificate, "rtl", ["Grade"])
    first = design_view._sample(certificate, "sample", [])

    assert longest.name == long_name.strip()
    assert first.name == "Ada"
    assert rtl.name == design_view.RTL_SAMPLE_NAME
    assert rtl.pk is None  # made up, never saved
    assert rtl.attributes == {"Grade": "Grade"}


def test_it_makes_up_samples_for_an_empty_list(certificate: Certificate) -> None:
    assert design_view._sample(certificate, "sample", []).name == design_view.SAMPLE_NAME
    assert design_view._sample(certificate, "longest", []).name == design_view.LONG_SAMPLE_NAME


def test_it_lets_a_viewer_see_the_preview(viewer_client: Client, certificate: Certificate) -> None:
    response = viewer_client.get(_preview(certificate, sample="rtl"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
