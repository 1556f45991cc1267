"""Any name renders, in any script, with its fonts embedded in the PDF."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.certificates.rendering.renderer import credential_render
from conferral.certificates.services import certificate_create
from conferral.testing.pdf import pdf_fonts, pdf_text

NAMES = {
    "german-polish": "Jürgen Müller-Łukasz",
    "scandinavian": "Åsa Øberg",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Пётр Ильич Чайковский",
    "arabic": "محمد بن موسى",
    "chinese": "王小明",
    "japanese": "山田 太郎",
    "korean": "김민준",
    "vietnamese": "Nguyễn Thị Thu Hằng",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_it_renders_the_name_with_embedded_fonts(
    add_recipients: Callable[..., list[Recipient]], name: str
) -> None:
    (recipient,) = add_recipients((name, "someone@example.org"))

    pdf = credential_render(recipient, "pdf")

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    # Right-to-left text is extracted in visual order: check word by word.
    for word in name.split():
        assert word in text
    fonts = pdf_fonts(pdf)
    assert fonts
    assert all(fonts.values()), fonts


def test_it_renders_an_organization_and_certificate_in_any_script(
    add_recipients: Callable[..., list[Recipient]], org: Organization
) -> None:
    certificate = certificate_create(organization=org, name="Основы Python — 基础课程")
    (recipient,) = add_recipients(("Åsa Øberg", "asa@example.org"), cert=certificate)

    text = pdf_text(credential_render(recipient, "pdf"))

    assert "Основы Python" in text
    assert "基础课程" in text
