"""The team page in a real browser at phone width, by keyboard only: an owner invites a
colleague, the page never scrolls sideways, and the invitation shown in the mailbox
(HTML, in its frame) loads nothing that records an open or a click. Then the colleague
accepts it and sets a password."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.fixtures import Settings

from conferral.accounts.models import Membership, Organization, Role
from conferral.accounts.services import organization_get_or_create
from conferral.certificates.models import Event
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.dashboard.tests.team_support import PASSWORD, member_add, production_email
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 390, "height": 844}


def _tab_to(page: Page, selector: str) -> None:
    for _press in range(60):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _fits(page: Page) -> bool:
    """Whether the page, once loaded with its styles, needs no sideways scrolling."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_it_invites_by_keyboard_at_phone_width(page: Page, settings: Settings) -> None:
    production_email(settings)
    org: Organization = organization_get_or_create(name="Acme Academy")
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(organization_get_or_create(name="Second Org"), "owner@acme.test", Role.ADMIN)
    certificate = certificate_create(organization=org, name="Python Fundamentals")
    recipients_add(certificate=certificate, rows=[RawRow(1, "Ada Lovelace", "ada@example.com")])
    certificate_send(certificate=certificate)
    deliver_due()
    page.set_viewport_size(PHONE)

    page.goto("/login/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Team")).to_be_visible()
    assert _fits(page)

    page.get_by_role("link", name="Team").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Team of Acme Academy")).to_be_visible()
    assert _fits(page)
    _tab_to(page, "input[name=email]")
    page.keyboard.type("colleague@example.org")
    page.keyboard.press("Tab")
    page.keyboard.press("a")  # the role: Admin
    _tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    expect(page.get_by_text("An invitation was sent to colleague@example.org.")).to_be_visible()
    assert _fits(page)

    events = Event.objects.count()
    page.get_by_role("link", name="Mailbox").click()
    expect(page.get_by_role("heading", name="Local mailbox")).to_be_visible()
    assert _fits(page)
    page.get_by_role("row").filter(has_text="ada@example.com").get_by_role("link").click()
    frame = page.frame_locator("iframe.message-frame")
    expect(frame.get_by_text("Hello Ada Lovelace")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert _fits(page)
    assert Event.objects.count() == events

    page.go_back()
    page.get_by_role("row").filter(has_text="colleague@example.org").get_by_role("link").click()
    link = page.frame_locator("iframe.message-frame")
    expect(link.get_by_role("link", name="Accept the invitation")).to_be_visible()
    href = link.get_by_role("link", name="Accept the invitation").get_attribute("href")
    assert href is not None
    assert re.search(r"/invitations/[\w-]+/$", href)

    page.get_by_role("button", name="Sign out").click()
    page.goto(href)
    page.get_by_label("Password", exact=True).fill("a long new password")
    page.get_by_label("The password again").fill("a long new password")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Welcome to Acme Academy.")).to_be_visible()
    assert _fits(page)
    membership = Membership.objects.get(user__username="colleague@example.org")
    assert membership.role == Role.ADMIN
