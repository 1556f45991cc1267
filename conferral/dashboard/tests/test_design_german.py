"""The Design tab and its refusals in German, for `Accept-Language: de`; numbers in the
form stay machine-readable (a dot, never a decimal comma)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate
from conferral.certificates.tests import design_files


def test_it_shows_the_editor_in_german(user_client: Client, certificate: Certificate) -> None:
    url = reverse("dashboard:certificate_design", args=[certificate.public_id])

    body = user_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert 'aria-current="page">Design</a>' in body
    assert "Design speichern" in body
    assert "Name des Empfängers" in body
    assert "Der längste Name der Liste" in body
    assert "A4 quer (297 \u00d7 210 mm)" in body
    assert 'value="29.7"' in body  # an unplaced field's left edge, with a dot


def test_it_refuses_an_svg_in_german(user_client: Client, certificate: Certificate) -> None:
    url = reverse("dashboard:certificate_design_upload", args=[certificate.public_id])
    upload = SimpleUploadedFile("logo.svg", design_files.SVG, content_type="image/svg+xml")

    response = user_client.post(
        url, {"kind": "background", "file": upload}, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 400
    assert "SVG-Bilder werden nicht angenommen" in response.content.decode()
