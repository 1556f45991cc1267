"""Uploading an Excel workbook (.xlsx): read like a CSV file, bad rows named."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard.tests.recipients_helpers import (
    confirm_url,
    page_text,
    staged_name,
    upload,
    xlsx_bytes,
)


def test_it_imports_a_workbook_after_the_preview(
    user_client: Client, certificate: Certificate
) -> None:
    data = xlsx_bytes(
        ["Name", "E-Mail", "Score", "Date"],
        ["Åsa Øberg", "asa@example.com", 97.0, dt.date(2026, 11, 30)],
        [None, None, None, None],
        ["李小龍", "", 12.5, None],
    )
    html = page_text(upload(user_client, certificate, data, "list.xlsx"))
    assert "2 recipients will be added." in html
    assert not Recipient.objects.exists()
    user_client.post(confirm_url(certificate), {"staged": staged_name(html), "confirm": ""})
    asa, bruce = Recipient.objects.order_by("id")
    assert (asa.name, asa.email) == ("Åsa Øberg", "asa@example.com")
    assert asa.attributes == {"Score": "97", "Date": "2026-11-30"}
    assert (bruce.name, bruce.email, bruce.attributes["Score"]) == ("李小龍", "", "12.5")


def test_it_names_the_bad_rows_of_a_workbook(user_client: Client, certificate: Certificate) -> None:
    data = xlsx_bytes(
        ["name", "email"],
        ["Good", "good@example.com"],
        ["", "nameless@example.com"],
        ["Typo", "typo@gmial.com"],
        ["Stray", "stray@example.com", "a value in no column"],
    )
    response = upload(user_client, certificate, data, "list.xlsx")
    html = page_text(response)
    assert "3 problems were found." in html
    assert '<td class="number">3</td>' in html
    assert "A name is required." in html
    assert '<code class="suggestion">typo@gmail.com</code>' in html
    assert '<td class="number">5</td>' in html
    assert "A value is in a column that has no name in the first row." in html
    assert not Recipient.objects.exists()


def test_it_refuses_a_workbook_that_unpacks_too_large(
    user_client: Client, certificate: Certificate, settings: Settings
) -> None:
    data = xlsx_bytes(["name"], *[[f"{i}" + "x" * 1000] for i in range(500)])
    settings.IMPORT_MAX_BYTES = len(data) + 100  # the file fits, what it unpacks to does not
    response = upload(user_client, certificate, data, "list.xlsx")
    assert response.status_code == 400
    assert "larger than the limit" in page_text(response)
