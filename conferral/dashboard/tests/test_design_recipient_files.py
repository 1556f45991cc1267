"""What the recipient gets follows the certificate's design: the PDF and PNG downloads
and the preview on their page."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from conferral.certificates.credentials import credential_claim
from conferral.certificates.design import Design, PlacedField
from conferral.certificates.design_services import certificate_design_update
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.testing.pdf import pdf_text


def test_it_hands_out_the_designed_files(
    client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (recipient,) = add_recipients(("Grace Hopper", "grace@example.org"))
    credential_claim(recipient=recipient, channel=Channel.EMAIL)
    certificate_design_update(
        certificate=certificate,
        design=Design(
            page="a4-portrait",
            fields=(PlacedField("name", 20, 50, 170, size=30), PlacedField("qr", 80, 200, 40)),
        ),
    )

    pdf = client.get(reverse("recipient:download", args=[recipient.token, "pdf"]))
    png = client.get(reverse("recipient:download", args=[recipient.token, "png"]))
    preview = client.get(reverse("recipient:preview", args=[recipient.token]))

    assert pdf.status_code == png.status_code == preview.status_code == 200
    box = PdfReader(io.BytesIO(pdf.content)).pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == (595.28, 841.89)
    text = pdf_text(pdf.content)
    assert "Grace Hopper" in text
    assert "This is awarded to" not in text
    for image in (png.content, preview.content):
        width, height = struct.unpack(">II", image[16:24])
        assert height > width  # portrait, as designed
