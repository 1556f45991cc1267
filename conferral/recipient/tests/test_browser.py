"""The recipient's whole path in a real Chromium: the email's link, the page, the claim
button, the PDF download, the LinkedIn buttons, the verification page, and the public
claim page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conferral.certificates.links import verify_url
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.testing.pdf import pdf_text
from conferral.tracking.links import click_url

pytestmark = pytest.mark.browser

NAME = "Jürgen <b>Müller</b>-Łukasz"


@pytest.fixture
def delivered(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    (recipient,) = add_recipients((NAME, "juergen@example.org"))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Recipient.objects.filter(pk=recipient.pk).update(
        email_status=EmailStatus.DELIVERED, first_sent_at=an_hour_ago, delivered_at=an_hour_ago
    )
    recipient.refresh_from_db()
    return recipient


def _types(recipient: Recipient) -> list[str]:
    return list(
        Event.objects.filter(recipient=recipient, machine=False)
        .order_by("at", "id")
        .values_list("type", flat=True)
    )


def test_it_takes_a_recipient_from_the_email_link_to_a_downloaded_pdf(
    page: Page, delivered: Recipient, offsite_requests: list[str], tmp_path: Path
) -> None:
    page.goto(click_url(delivered))

    expect(page.get_by_role("heading", level=1)).to_have_text("Python Fundamentals")
    expect(page.get_by_text("Awarded to")).to_contain_text(NAME)  # shown as text, not markup
    assert page.locator("b", has_text="Müller").count() == 0
    page.get_by_role("button", name="Claim your certificate").click()

    expect(page.get_by_role("heading", name="Download")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert download_info.value.suggested_filename.endswith(".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert NAME in pdf_text(data)

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Share on LinkedIn").click()
    expect(popup_info.value.get_by_text("offsite")).to_be_visible()
    assert offsite_requests == [
        "https://www.linkedin.com/sharing/share-offsite/?url="
        + quote(verify_url(delivered), safe="")
    ]

    delivered.refresh_from_db()
    assert delivered.claim_channel == Channel.EMAIL
    assert delivered.email_status == EmailStatus.CLICKED
    assert delivered.shared == ["linkedin"]
    assert delivered.downloaded_at is not None
    assert _types(delivered) == [
        EventType.EMAIL_OPENED,  # inferred from the click
        EventType.EMAIL_CLICKED,
        EventType.CREDENTIAL_VIEWED,  # the page after the claim too: one event, counted
        EventType.CREDENTIAL_CLAIMED,
        EventType.CREDENTIAL_DOWNLOADED,
        EventType.CREDENTIAL_SHARED,
    ]
    viewed = delivered.events.get(type=EventType.CREDENTIAL_VIEWED)
    assert viewed.detail["count"] == 2


def test_it_adds_the_credential_to_linkedin_and_verifies_it(
    page: Page, delivered: Recipient, offsite_requests: list[str]
) -> None:
    page.goto(click_url(delivered))
    page.get_by_role("button", name="Claim your certificate").click()

    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Add to LinkedIn profile").click()
    expect(popup_info.value.get_by_text("offsite")).to_be_visible()
    (linkedin,) = offsite_requests
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    page.get_by_role("link", name=verify_url(delivered)).click()

    expect(page.get_by_role("status")).to_contain_text("Valid credential")
    expect(page.locator("dl")).to_contain_text(NAME)
    assert Event.objects.filter(
        recipient=delivered, type=EventType.CREDENTIAL_LINKEDIN_ADDED
    ).exists()
    assert Event.objects.filter(recipient=delivered, type=EventType.CREDENTIAL_VERIFIED).exists()


def test_it_claims_a_token_typed_on_the_claim_page(page: Page, delivered: Recipient) -> None:
    page.goto("/claim")
    page.get_by_label("Your token").fill("zzzz zzzz zzzz zzzz")
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not find a credential")

    page.get_by_label("Your token").fill(" " + delivered.token.lower().replace("-", " ") + " ")
    page.get_by_role("button", name="Claim").click()

    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    delivered.refresh_from_db()
    assert delivered.claim_channel == Channel.TOKEN
