"""An issuer's journey in a real browser: sign in, create a certificate, shape its email,
send it and watch the progress, read the statistics and the shares pie, in English and
German, on a laptop and at phone width; every page passes axe-core (no serious or
critical violation) and is kept as a screenshot."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.delivery.pipeline import deliver_due
from conferral.testing.browser import DESKTOP_USER_AGENT
from conferral.testing.pagecheck import (
    PHONE,
    accessibility_violations,
    screenshot,
    sideways_overflow,
)
from conferral.testing.sign_in import sign_in_owner

pytestmark = pytest.mark.browser
LAPTOP: ViewportSize = {"width": 1280, "height": 900}


def _sign_in(page: Page, org: Organization) -> None:
    sign_in_owner(page, org)


def _check(page: Page, name: str) -> None:
    assert accessibility_violations(page) == [], name
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert sideways_overflow(page) == 0, name
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(LAPTOP)


def test_it_creates_shapes_sends_and_reports_a_certificate(page: Page, org: Organization) -> None:
    _sign_in(page, org)
    _check(page, "certificates-empty")
    page.get_by_role("link", name="New certificate").click()
    _check(page, "certificate-new")
    page.get_by_label("Name").fill("Data Science 101")
    page.get_by_label("Badge").check()
    page.get_by_label("Email subject").fill("Your badge, {recipient.name}")
    page.get_by_role("button", name="Create the certificate").click()
    expect(page.get_by_text("The certificate was created as a draft.")).to_be_visible()
    certificate = Certificate.objects.get(name="Data Science 101")
    recipients_add(
        certificate=certificate,
        rows=[
            RawRow(1, "Åsa Øberg", "asa@example.com"),
            RawRow(2, "ليلى حداد", "layla@example.com"),
            RawRow(3, "Mateo García", ""),
        ],
    )
    page.reload()
    _check(page, "certificate-overview-draft")

    page.get_by_role("link", name="Settings and email").click()
    preview = page.frame_locator("iframe.message-frame")
    expect(preview.get_by_text("Hello Åsa Øberg,")).to_be_visible()
    _check(page, "certificate-settings")

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Send emails (2)").click()
    _check(page, "send-confirm")
    page.get_by_role("button", name="Send 2 emails").click()
    expect(page.get_by_text("2 being sent")).to_be_visible()
    deliver_due()
    # The progress box polls and disappears once everything went out.
    expect(page.locator(".progress-box")).to_have_count(0, timeout=10_000)
    Recipient.objects.filter(certificate=certificate, email="asa@example.com").update(
        claimed_at=timezone.now(), claim_channel="email", shared=["linkedin"]
    )
    page.reload()
    expect(page.locator("svg.pie title")).to_have_text("LinkedIn: 1 (100 %)")
    _check(page, "certificate-overview-sent")

    # The same issuer with a German browser.
    browser = page.context.browser
    assert browser is not None
    german = browser.new_context(
        base_url=page.url.split("/certificates/")[0], locale="de-DE", user_agent=DESKTOP_USER_AGENT
    )
    german.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": page.url} for c in page.context.cookies()]
    )
    in_german = german.new_page()
    in_german.goto(f"/certificates/{certificate.public_id}/")
    expect(in_german.get_by_role("heading", name="E-Mail-Statistik")).to_be_visible()
    expect(in_german.get_by_role("link", name="Übersicht")).to_be_visible()
    _check(in_german, "certificate-overview-de")
    german.close()
