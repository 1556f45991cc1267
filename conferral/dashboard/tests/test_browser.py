"""The whole first-run flow in a real browser: sign in with the demo login, send the demo
certificate's emails, let the deliver task run, and read a message in the mailbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conferral.cli.demo import DEMO_CERTIFICATE, demo_install
from conferral.delivery.tasks import deliver

pytestmark = pytest.mark.browser


def test_it_sends_the_demo_certificate_and_shows_the_mail(page: Page) -> None:
    login = demo_install(password="a demo password")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill("a demo password")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name=DEMO_CERTIFICATE).click()
    expect(page.get_by_role("heading", name=DEMO_CERTIFICATE)).to_be_visible()
    page.get_by_role("link", name="Send emails (7)").click()
    page.get_by_role("button", name="Send 7 emails").click()
    expect(page.get_by_text("7 emails are being sent.")).to_be_visible()

    assert deliver.call()["delivered"] == 7

    page.get_by_role("link", name="Recipients", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Åsa Øberg")
    expect(row.get_by_text("Delivered, not opened")).to_be_visible()

    page.get_by_role("link", name="Mailbox").click()
    page.get_by_role("row").filter(has_text="asa.oberg@example.com").get_by_role("link").click()
    message = page.frame_locator("iframe.message-frame")
    expect(message.get_by_text("Hello Åsa Øberg")).to_be_visible()
    expect(message.get_by_role("link", name="Get certificate")).to_be_visible()
    # Showing the message loads its open pixel; let it finish before the page closes.
    page.wait_for_load_state("networkidle")
