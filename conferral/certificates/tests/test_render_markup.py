"""Text a user typed is data, never typst markup: every special character renders
literally and nothing in it can change the document."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient
from conferral.certificates.rendering.renderer import credential_render
from conferral.certificates.services import certificate_create
from conferral.testing.pdf import pdf_text

TRICKY = [
    "#set text(red)",
    '#read("/etc/passwd")',
    "$x^2$ Dollar",
    "*bold* _emph_",
    "[brackets] {braces}",
    "back\\slash",
    "`raw` code",
    "<label> @reference",
    "= Heading",
    "- list item",
    "// not a comment",
    '"quoted" & ampersand',
]


@pytest.mark.parametrize("name", TRICKY)
def test_it_renders_markup_characters_literally(
    add_recipients: Callable[..., list[Recipient]], name: str
) -> None:
    (recipient,) = add_recipients((name, "someone@example.org"))

    text = pdf_text(credential_render(recipient, "pdf"))

    assert name in text
    assert "root:" not in text


def test_it_renders_markup_in_certificate_and_organization_names(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    organization = Organization.objects.create(name='#import "x.typ": * [Org]')
    certificate = certificate_create(
        organization=organization,
        name="$Course$ #1 *[A]*",
        description="#pagebreak() <desc> @see",
    )
    (recipient,) = add_recipients(("Ada", "ada@example.org"), cert=certificate)

    text = pdf_text(credential_render(recipient, "pdf"))

    assert "$Course$ #1 *[A]*" in text
    assert "#pagebreak() <desc> @see" in text
    # The design shows the issuer in spaced capitals.
    assert '#IMPORT"X.TYP":*[ORG]' in text.replace(" ", "")
