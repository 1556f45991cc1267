"""The email as sent works in the major clients: its HTML is checked against caniemail's
data with doiuse-email (scripts/js-tools) for Outlook, Gmail, Apple Mail and Yahoo."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conferral.certificates.models import Certificate, Kind, Recipient
from conferral.certificates.services import certificate_create
from conferral.delivery.message import MessageTemplate
from conferral.testing.services import unavailable

CHECK = Path(__file__).resolve().parents[3] / "scripts" / "js-tools"
# Findings that do not matter for these messages, each with the reason.
ACCEPTED = {
    # Those apps drop <body>; every style the message needs sits on its tables, cells
    # and paragraphs as well.
    "`<body> element` is not supported by `outlook.ios`",
    "`<body> element` is not supported by `outlook.android`",
    "`<body> element` is not supported by `yahoo.ios`",
    "`<body> element` is not supported by `yahoo.android`",
    # role="presentation" only tells screen readers the tables are layout; ignored, it
    # changes nothing on screen.
    "`role attribute` is not supported by `outlook.windows-mail`",
    # The honeypot link (conferral.tracking.sequence) holds nothing, so where display:none
    # or aria-hidden is ignored there is still nothing to see or read; tabindex="-1"
    # keeps it out of the keyboard's way.
    "`display:none` is not supported by `gmail.mobile-webmail`",
    "`aria-hidden attribute` is not supported by `outlook.windows-mail`",
    "`aria-hidden attribute` is not supported by `yahoo.desktop-webmail`",
    "`aria-hidden attribute` is not supported by `yahoo.ios`",
    "`aria-hidden attribute` is not supported by `yahoo.android`",
}


def _check(html: str) -> dict[str, Any]:
    if shutil.which("node") is None or not (CHECK / "node_modules" / "doiuse-email").is_dir():
        unavailable("node or scripts/js-tools's packages are missing (scripts/install-deps)")
    result = subprocess.run(
        ["node", str(CHECK / "email-check.mjs")],
        input=html.encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    verdict: dict[str, Any] = json.loads(result.stdout)
    return verdict


@pytest.mark.parametrize("kind", [Kind.CERTIFICATE, Kind.BADGE])
def test_it_sends_html_the_major_clients_support(
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    kind: Kind,
) -> None:
    certificate.kind = kind
    certificate.email_body = "Hello {recipient.name},\n\nyour {certificate.kind} is ready."
    certificate.save()
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    message = MessageTemplate(certificate).build(ada)

    verdict = _check(message.html)

    assert set(verdict.get("errors", [])) <= ACCEPTED, sorted(
        set(verdict.get("errors", [])) - ACCEPTED
    )


def test_it_would_catch_a_button_outlook_ignores(certificate: Certificate) -> None:
    # The button as it was: padding and rounded corners on a link, which Outlook for
    # Windows drops (the button collapses to a plain link).
    html = (
        "<!DOCTYPE html><html><body><table><tr><td>"
        '<a href="https://example.com" style="display:inline-block;padding:14px 28px;'
        'border-radius:6px;background:#1d4ed8">Get certificate</a>'
        "</td></tr></table></body></html>"
    )
    errors = set(_check(html).get("errors", [])) - ACCEPTED
    assert any("outlook.windows" in error for error in errors), errors


def test_it_puts_the_fonts_on_the_text_itself(certificate: Certificate) -> None:
    badge = certificate_create(organization=certificate.organization, name="B", kind=Kind.BADGE)
    for each in (certificate, badge):
        html = MessageTemplate(each).build(Recipient(certificate=each, name="Åsa")).html
        for cell in html.split("<td")[1:]:
            opening = cell.split(">", 1)[0]
            if "padding:0 32px" in opening or "font-size" in opening:
                assert "font-family:" in opening, opening
        for paragraph in html.split("<p ")[1:]:
            assert "font-family:" in paragraph.split(">", 1)[0]
