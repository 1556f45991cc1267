"""Three of an issuer's journeys in a real browser, end to end: an Excel list with a bad
row is refused with the row named and imported once fixed; an address that bounced is
corrected on the recipient's page and the email goes out again; the list is exported
with both statuses. Every page passes axe-core and is kept as a screenshot."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.dashboard.tests.recipients_helpers import xlsx_bytes
from conferral.delivery.pipeline import deliver_due
from conferral.testing.pagecheck import accessibility_violations, screenshot
from conferral.testing.sign_in import sign_in_owner
from conferral.testing.smtp import Answer, SmtpServer

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sign_in(page: Page, org: Organization) -> None:
    sign_in_owner(page, org)


def _check(page: Page, name: str) -> None:
    assert accessibility_violations(page) == [], name
    screenshot(page, name)


def _upload(page: Page, certificate: Certificate, data: bytes) -> None:
    page.goto(f"/certificates/{certificate.public_id}/import/")
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "list.xlsx", "mimeType": XLSX, "buffer": data}
    )
    page.get_by_role("button", name="Upload and preview").click()


def test_it_refuses_a_workbook_with_a_bad_row_and_imports_it_once_fixed(
    page: Page, org: Organization, certificate: Certificate
) -> None:
    _sign_in(page, org)
    header = ["Name", "Email"]
    _upload(
        page,
        certificate,
        xlsx_bytes(
            header,
            ["Åsa Øberg", "asa@example.com"],
            ["Grace", "grace@gmial.com"],
            ["", "x@example.com"],
        ),
    )

    expect(page.get_by_text("2 problems were found.")).to_be_visible()
    expect(page.get_by_text("A name is required.")).to_be_visible()
    expect(page.locator("code.suggestion", has_text="grace@gmail.com")).to_be_visible()
    expect(page.get_by_role("button", name="Add 3 recipients")).to_have_count(0)
    _check(page, "import-preview-bad-row")
    assert not Recipient.objects.exists()

    page.get_by_role("link", name="Upload another file").click()
    _upload(
        page,
        certificate,
        xlsx_bytes(header, ["Åsa Øberg", "asa@example.com"], ["Grace", "grace@gmail.com"]),
    )
    page.get_by_role("button", name="Add 2 recipients").click()

    expect(page.get_by_text("2 recipients were added.")).to_be_visible()
    assert sorted(Recipient.objects.values_list("email", flat=True)) == [
        "asa@example.com",
        "grace@gmail.com",
    ]


def test_it_corrects_a_bounced_address_and_sends_again(
    page: Page, org: Organization, certificate: Certificate, smtp: SmtpServer
) -> None:
    smtp.answer(Answer.REJECT, to="ada@exmaple.com", reply="550 5.1.1 No such user here")
    [ada] = recipients_add(
        certificate=certificate, rows=[RawRow(1, "Ada Lovelace", "ada@exmaple.com")]
    ).recipients
    _sign_in(page, org)
    page.goto(f"/certificates/{certificate.public_id}/")
    page.get_by_role("link", name="Send email (1)").click()
    page.get_by_role("button", name="Send 1 email").click()
    deliver_due()
    ada.refresh_from_db()
    assert (ada.email_status, ada.bounce_kind) == (EmailStatus.BOUNCED, BounceKind.HARD)

    page.goto(f"/recipients/{ada.public_id}/")
    expect(page.get_by_text("check the address for typos", exact=False).first).to_be_visible()
    _check(page, "recipient-bounced")
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_role("button", name="Save and send the email").click()
    deliver_due()
    page.reload()

    ada.refresh_from_db()
    assert (ada.email, ada.email_status) == ("ada@example.com", EmailStatus.DELIVERED)
    assert [m.rcpt_tos for m in smtp.messages] == [["ada@example.com"]]
    expect(page.locator(".badge.email-delivered")).to_be_visible()
    _check(page, "recipient-resent")


def test_it_exports_the_list_with_both_statuses(
    page: Page, org: Organization, certificate: Certificate
) -> None:
    recipients_add(
        certificate=certificate,
        rows=[RawRow(1, "Åsa Øberg", "asa@example.com"), RawRow(2, "=HYPERLINK(1)", "")],
    )
    _sign_in(page, org)
    page.goto(f"/certificates/{certificate.public_id}/recipients/")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    path = download.value.path()
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [row["Name"] for row in rows] == ["Åsa Øberg", "'=HYPERLINK(1)"]
    assert {"Certificate status", "Email status"} <= set(rows[0])
    assert rows[1]["Email status"] == "Email not provided"
