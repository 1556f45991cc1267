"""The recipient's downloads of an Open Badge's own files (the signed JSON, the baked
PNG and SVG) are recorded as `credential.downloaded` with their format, by the same
rules as the PDF and PNG: a machine or a HEAD is flagged and leaves `downloaded_at`
alone; a verifier fetching the credential without `?download` is no download."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from conferral.badges.issuing import badge_current
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Event, EventType, Recipient
from conferral.tracking.explain import event_explain

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SCANNER = "Mozilla/5.0 (compatible; Proofpoint URL Defense)"
FILES = {
    "badge-json": ("", "The Open Badges credential was downloaded (JSON)."),
    "badge-png": (
        "/image.png",
        "The badge image with the credential baked in was downloaded (PNG).",
    ),
    "badge-svg": (
        "/image.svg",
        "The badge image with the credential baked in was downloaded (SVG).",
    ),
}


def _url(recipient: Recipient, fmt: str) -> str:
    path = urlsplit(badge_current(recipient).document["id"]).path
    return f"{path}{FILES[fmt][0]}?download"


def _downloads() -> list[Event]:
    return list(Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED))


@pytest.mark.parametrize("fmt", list(FILES))
def test_it_records_the_download_with_its_format(
    client: Client, recipient: Recipient, fmt: str
) -> None:
    response = client.get(_url(recipient, fmt), HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    [event] = _downloads()
    assert event.detail == {"format": fmt}
    assert event.machine is False
    assert event_explain(event) == FILES[fmt][1]
    recipient.refresh_from_db()
    assert recipient.downloaded_at is not None


@pytest.mark.parametrize("fmt", list(FILES))
def test_it_flags_a_machine_or_a_head_and_keeps_the_download_time(
    client: Client, recipient: Recipient, fmt: str
) -> None:
    client.get(_url(recipient, fmt), HTTP_USER_AGENT=SCANNER)
    client.head(_url(recipient, fmt), HTTP_USER_AGENT=FIREFOX)

    assert [event.machine for event in _downloads()] == [True, True]
    recipient.refresh_from_db()
    assert recipient.downloaded_at is None


def test_it_records_nothing_for_a_verifier_or_the_page_showing_the_image(
    client: Client, recipient: Recipient
) -> None:
    for fmt in FILES:
        url = _url(recipient, fmt).removesuffix("?download")
        assert client.get(url, HTTP_USER_AGENT=FIREFOX).status_code == 200

    assert _downloads() == []


def test_it_records_nothing_for_a_revoked_credential(client: Client, recipient: Recipient) -> None:
    urls = [_url(recipient, fmt) for fmt in FILES]
    recipient_revoke(recipient=recipient, reason="Issued in error")

    for url in urls:
        assert client.get(url, HTTP_USER_AGENT=FIREFOX).status_code == 410
    assert _downloads() == []


def test_it_keeps_the_recipients_download_address_to_the_pdf_and_png(
    client: Client, recipient: Recipient
) -> None:
    for fmt in FILES:
        response = client.get(f"/r/{recipient.token}/certificate.{fmt}", HTTP_USER_AGENT=FIREFOX)
        assert response.status_code == 404, fmt
    assert _downloads() == []
