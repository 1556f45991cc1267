"""Exporting the filtered list as CSV and XLSX: both statuses, engagement and links,
and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from conferral.certificates.links import verify_url
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.dashboard.tests.recipients_helpers import export_url

# Names cannot start with a tab or CR (whitespace is collapsed): cell_safe's own test.
NASTY = ('=HYPERLINK("http://evil.test")', "+1+1", "-2+3", "@SUM(A1)")


def _recipients(add: Callable[..., list[Recipient]]) -> list[Recipient]:
    people = add(
        *[(name, f"p{i}@example.com") for i, name in enumerate(NASTY)], ("Ada", "ada@example.com")
    )
    Recipient.objects.filter(pk=people[-1].pk).update(
        email_status=EmailStatus.OPENED, opened_at=timezone.now(), claimed_at=timezone.now()
    )
    return people


def _streamed(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_it_exports_csv_safe_against_formulas(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    people = _recipients(add_recipients)
    response = user_client.get(export_url(certificate), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = _streamed(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:4] == ["Name", "Email", "Certificate status", "Email status"]
    by_email = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    for i, name in enumerate(NASTY):
        assert by_email[f"p{i}@example.com"]["Name"] == "'" + name
    ada = by_email["ada@example.com"]
    assert ada["Certificate status"] == "Claimed"
    assert ada["Email status"] == "Opened"
    assert ada["Opened"]
    assert ada["Claimed"]
    assert f"/r/{people[-1].token}?via=admin." in ada["Recipient link"]
    assert ada["Verification page"] == verify_url(people[-1])


def test_it_exports_the_filtered_list_as_xlsx(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    _recipients(add_recipients)
    response = user_client.get(export_url(certificate), {"format": "xlsx", "q": "@"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(_streamed(response)), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # "q=@" finds every address: the header and five recipients.
    assert len(rows) == 6
    names = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.test")' in names
    assert all(not str(name).startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)
    response = user_client.get(export_url(certificate), {"format": "xlsx", "q": "ada"})
    workbook = load_workbook(io.BytesIO(_streamed(response)), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == ["Ada"]
    assert rows[1][2] == "Claimed"
