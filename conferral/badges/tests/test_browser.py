"""The Open Badge pages in a real Chromium: the verification page's badge downloads,
verifying the downloaded baked PNG by uploading it, and the "find my credentials"
page; each page accessible (axe) and loading nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conferral.certificates.models import Recipient
from conferral.testing.pagecheck import accessibility_violations

pytestmark = pytest.mark.browser


def test_it_verifies_the_downloaded_baked_badge_by_upload(
    page: Page, recipient: Recipient, offsite_requests: list[str], tmp_path: Path
) -> None:
    page.goto(f"/v/{recipient.credential_id}")
    expect(page.get_by_role("heading", name="Open Badge")).to_be_visible()
    assert accessibility_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Badge image with the credential baked in (PNG)").click()
    baked = tmp_path / "badge.png"
    download_info.value.save_as(baked)

    page.get_by_role("link", name="Verify a credential file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a credential")
    assert accessibility_violations(page) == []
    page.get_by_label("… or a file").set_input_files(
        {"name": "badge.png", "mimeType": "image/png", "buffer": baked.read_bytes()}
    )
    page.get_by_label("Email address to check against the recipient (optional)").fill(
        "juergen@example.org"
    )
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("status")).to_contain_text("Valid credential")
    expect(page.get_by_text("This email address is the recipient's.")).to_be_visible()
    assert accessibility_violations(page) == []
    assert offsite_requests == []


def test_it_takes_an_address_on_the_find_page(
    page: Page, recipient: Recipient, offsite_requests: list[str]
) -> None:
    page.goto("/badges/find")
    assert accessibility_violations(page) == []
    page.get_by_label("Your email address").fill("juergen@example.org")
    page.get_by_role("button", name="Send me the links").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert accessibility_violations(page) == []
    assert offsite_requests == []
