"""The webhook pages in a real browser: Team → Webhooks, an endpoint registered through
the form (refused first for a bad address), and the endpoint's page with a delivery
that failed once and then went through. Every page passes axe-core (serious and
critical) and is kept as a screenshot, on a desktop and on a phone's screen."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Channel, Recipient
from conferral.testing.pagecheck import (
    PHONE,
    accessibility_violations,
    screenshot,
    sideways_overflow,
)
from conferral.testing.sign_in import sign_in_owner
from conferral.webhooks.models import Delivery
from conferral.webhooks.sending import deliveries_send_due
from conferral.webhooks.tests.conftest import Receiver, Reply

pytestmark = pytest.mark.browser


def _check(page: Page, name: str) -> None:
    assert accessibility_violations(page) == [], name
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    assert accessibility_violations(page) == [], f"{name} on a phone"
    assert sideways_overflow(page) == 0, f"{name} on a phone"
    screenshot(page, f"{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_it_registers_an_endpoint_and_shows_its_deliveries_accessibly(
    page: Page,
    org: Organization,
    receiver: Receiver,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))
    sign_in_owner(page, org)

    page.get_by_role("link", name="Team").click()
    page.get_by_role("link", name=re.compile("^Webhooks")).click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(page.locator("#no-endpoints")).to_be_visible()
    _check(page, "webhooks-empty")

    page.get_by_label("URL").fill("not an address")
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    _check(page, "webhooks-form-refused")

    page.get_by_label("URL").fill(receiver.url())
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label(re.compile(r"\(credential\.claimed\)")).check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_role("heading", name="Endpoint registered")).to_be_visible()
    expect(page.locator("#secret")).not_to_be_empty()
    _check(page, "webhooks-registered")

    receiver.answer(Reply(status=500, text="try later"))
    credential_claim(recipient=ada, channel=Channel.EMAIL)
    Delivery.objects.update(next_attempt_at=timezone.now())  # the retry's time has come
    deliveries_send_due(time_budget=10)
    assert len(receiver.requests) == 2

    page.goto(page.url)
    page.get_by_role("link", name=receiver.url()).click()
    expect(page.get_by_role("heading", name="Recent deliveries")).to_be_visible()
    expect(page.get_by_text("credential.claimed").first).to_be_visible()
    expect(page.locator(".attempts li")).to_have_count(2)
    _check(page, "webhook-endpoint-deliveries")
