"""The privacy settings and the statistics they change, in a real browser: an owner
switches open tracking off on Team → Privacy, and the overview then says "not tracked"
for opens while clicks stay side by side for people, machines and all. Both pages pass
axe-core and are kept as screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate
from conferral.certificates.services import RawRow, recipients_add
from conferral.testing.pagecheck import accessibility_violations, screenshot
from conferral.testing.sign_in import sign_in_owner

pytestmark = pytest.mark.browser


def _check(page: Page, name: str) -> None:
    assert accessibility_violations(page) == [], name
    screenshot(page, name)


def test_it_switches_open_tracking_off_and_the_overview_says_not_tracked(
    page: Page, org: Organization, certificate: Certificate
) -> None:
    recipients_add(certificate=certificate, rows=[RawRow(0, "Ada", "ada@example.com")])
    sign_in_owner(page, org)

    page.goto("/team/")
    page.get_by_role("link", name=re.compile("^Privacy")).click()
    _check(page, "privacy-settings")
    page.get_by_label("Track opens").uncheck()
    page.get_by_label("Keep events for (days)").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The privacy settings were saved.")).to_be_visible()
    expect(page.get_by_label("Track opens")).not_to_be_checked()
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (False, True, 90)

    page.goto(f"/certificates/{certificate.public_id}/")
    table = page.get_by_role("table", name="Opens and clicks: people, machines and all")
    expect(table.get_by_role("row", name=re.compile("^Opens"))).to_contain_text("not tracked")
    expect(table.get_by_role("row", name=re.compile("^Clicks"))).to_contain_text("0 (0.0 %)")
    expect(page.get_by_text("Your organization does not track opens")).to_be_visible()
    _check(page, "statistics-opens-not-tracked")
    page.get_by_role("link", name="Change the privacy settings").click()
    expect(page.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()
