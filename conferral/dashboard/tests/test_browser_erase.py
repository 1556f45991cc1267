"""Erasing a recipient in a real browser: the confirmation page says what goes, takes
the typed name, and the recipient's page then says who erased it. Both pages pass
axe-core and are kept as screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.testing.pagecheck import accessibility_violations, screenshot
from conferral.testing.sign_in import sign_in_owner

pytestmark = pytest.mark.browser


def test_it_erases_a_recipient_once_the_name_is_typed(
    page: Page, org: Organization, certificate: Certificate
) -> None:
    [ada] = recipients_add(
        certificate=certificate, rows=[RawRow(1, "Ada Lovelace", "ada@example.com")]
    ).recipients
    sign_in_owner(page, org)

    page.goto(f"/recipients/{ada.public_id}/")
    page.get_by_role("link", name="Erase this recipient").click()
    expect(page.get_by_role("heading", name="Erase Ada Lovelace?")).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "recipient-erase-confirm")
    page.get_by_label("Type the recipient's name, Ada Lovelace, to confirm").fill("Ada")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_text("exactly as shown")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Type the recipient's name, Ada Lovelace, to confirm").fill("Ada Lovelace")
    page.get_by_role("button", name="Erase for good").click()

    expect(page.get_by_role("heading", name="Erased recipient")).to_be_visible()
    expect(page.get_by_text("Erased by owner@acme.test on")).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "recipient-erased")
    ada.refresh_from_db()
    assert (ada.name, ada.email) == ("", "")
    assert Recipient.objects.get(pk=ada.pk).erased_at is not None
