"""The recipients tab, the import preview and one recipient's page in German, for a
browser that asks for it."""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard.tests.recipients_helpers import (
    import_url,
    list_url,
    page_text,
    recipient_action_url,
)

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def test_it_speaks_german(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    html = page_text(user_client.get(list_url(certificate), **GERMAN))  # type: ignore[arg-type]
    assert "Einen Empfänger hinzufügen" in html
    assert "Empfänger importieren (CSV oder Excel)" in html
    assert "Sammelaktion" in html
    html = page_text(user_client.get(recipient_action_url("recipient", ada), **GERMAN))  # type: ignore[arg-type]
    assert "Token kopieren" in html
    assert "Token neu erzeugen" in html
    upload = SimpleUploadedFile("l.csv", b"name,email\nBob,bob@gmial.com\n", "text/csv")
    html = page_text(user_client.post(import_url(certificate), {"file": upload}, **GERMAN))  # type: ignore[arg-type]
    assert "Vorgeschlagene Korrektur" in html
    assert "bob@gmail.com" in html
