"""Search engines are asked to keep out of a credential's public pages and files
(X-Robots-Tag, and the robots meta tag of the HTML pages) unless its certificate allows
indexing; a revoked or erased credential, and a page about no credential, always."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from conferral.badges.issuing import badge_current
from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.erasure import recipient_erase
from conferral.certificates.models import Certificate, Recipient
from conferral.recipient.tests.conftest import FIREFOX

META = '<meta name="robots" content="noindex, nofollow">'
NOINDEX = "noindex, nofollow"


def _allow(recipient: Recipient, allowed: bool) -> None:
    Certificate.objects.filter(pk=recipient.certificate_id).update(allow_indexing=allowed)
    recipient.refresh_from_db()


def _pages(recipient: Recipient) -> dict[str, str]:
    """Every public address of the credential, by what it is."""
    badge = badge_current(recipient)
    credential = urlsplit(badge.document["id"]).path
    return {
        "page": f"/r/{recipient.token}",
        "verification": f"/v/{recipient.credential_id}",
        "pdf": f"/r/{recipient.token}/certificate.pdf",
        "png": f"/r/{recipient.token}/certificate.png",
        "preview": f"/r/{recipient.token}/preview.png",
        "badge json": credential,
        "badge json download": f"{credential}?download",
        "baked png": f"{credential}/image.png?download",
        "baked svg": f"{credential}/image.svg",
    }


def _kept_out(response: Any) -> bool:
    """Whether the response asks search engines to keep out, in the header and, for a
    page, in the HTML too (the two must agree)."""
    header = bool(response.get("X-Robots-Tag") == NOINDEX)
    if response["Content-Type"].startswith("text/html"):
        assert (META in response.content.decode()) == header, response.content.decode()
    return header


@pytest.mark.parametrize("allowed", [False, True])
def test_it_keeps_search_engines_out_unless_the_certificate_allows_them(
    client: Client, claimed: Recipient, allowed: bool
) -> None:
    _allow(claimed, allowed)

    for what, url in _pages(claimed).items():
        response = client.get(url, HTTP_USER_AGENT=FIREFOX)
        assert response.status_code == 200, (what, response.status_code)
        assert _kept_out(response) is not allowed, what


def test_it_keeps_them_out_by_default(certificate: Certificate) -> None:
    assert Certificate.objects.get(pk=certificate.pk).allow_indexing is False


def test_it_keeps_them_out_of_a_revoked_credential_even_when_allowed(
    client: Client, claimed: Recipient
) -> None:
    _allow(claimed, True)
    pages = _pages(claimed)
    recipient_revoke(recipient=claimed, reason="Issued in error")

    for what, url in pages.items():
        response = client.get(url)
        assert _kept_out(response), (what, response.status_code)


def test_it_keeps_them_out_of_an_erased_credential_even_when_allowed(
    client: Client, claimed: Recipient
) -> None:
    _allow(claimed, True)
    pages = _pages(claimed)
    recipient_erase(recipient=claimed, by="owner@acme.test")

    for what, url in pages.items():
        response = client.get(url)
        assert response.status_code == 410, what
        assert _kept_out(response), what


def test_it_keeps_them_out_of_an_unclaimed_credentials_files_and_pages_about_none(
    client: Client, recipient: Recipient
) -> None:
    _allow(recipient, True)

    assert not _kept_out(client.get(f"/r/{recipient.token}"))
    for url in (
        f"/r/{recipient.token}/certificate.pdf",  # claim it first
        "/r/not-a-token",
        "/v/not-a-credential",
        "/claim",
        "/badges/find",
        "/badges/verify",
    ):
        assert _kept_out(client.get(url)), url
    response = client.post("/badges/find", {"email": "juergen@example.org"})
    assert response.status_code == 200
    assert _kept_out(response)
