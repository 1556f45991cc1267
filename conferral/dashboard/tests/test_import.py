"""Uploading a recipient list from the dashboard: a preview first (every bad row, with
suggested fixes and duplicates), nothing added until the issuer confirms."""

from __future__ import annotations

from django.test import Client, override_settings

from conferral.certificates.models import Certificate, Recipient, StagedUpload
from conferral.dashboard.tests.recipients_helpers import (
    confirm_url,
    page_text,
    staged_name,
    upload,
)


def test_it_previews_a_german_excel_file_and_adds_it_on_confirm(
    user_client: Client, certificate: Certificate
) -> None:
    data = "Vorname;Nachname;E-Mail-Adresse\r\nJürgen;Müller;j@example.com\r\n".encode("cp1252")
    response = upload(user_client, certificate, data)
    html = page_text(response)
    assert response.status_code == 200
    assert "1 recipient will be added." in html
    assert "Jürgen Müller" in html
    assert not Recipient.objects.exists()  # nothing before the confirmation
    name = staged_name(html)
    assert StagedUpload.objects.filter(name=name).exists()
    response = user_client.post(
        confirm_url(certificate), {"staged": name, "confirm": ""}, follow=True
    )
    assert "1 recipient was added." in page_text(response)
    assert Recipient.objects.get().name == "Jürgen Müller"
    assert not StagedUpload.objects.filter(name=name).exists()


def test_it_lists_every_bad_row_and_adds_nothing(
    user_client: Client, certificate: Certificate
) -> None:
    data = (
        b"name,email\n"
        b"Good,good@example.com\n"
        b"Typo,typo@gmial.com\n"
        b"Short\n"
        b"<b>Bold</b>,not-an-address\n"
    )
    response = upload(user_client, certificate, data)
    html = page_text(response)
    assert "3 problems were found." in html
    assert '<td class="number">3</td>' in html
    assert '<code class="suggestion">typo@gmail.com</code>' in html
    assert '<td class="number">4</td>' in html
    assert "1 value, but the first row has 2 columns" in html
    assert '<td class="number">5</td>' in html
    assert "not-an-address" in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert 'name="confirm"' not in html  # nothing to confirm while a row is bad
    assert not Recipient.objects.exists()


def test_it_explains_a_missing_name_column(user_client: Client, certificate: Certificate) -> None:
    response = upload(user_client, certificate, b"Teilnehmende,Mail\nA,a@example.com\n")
    html = page_text(response)
    assert response.status_code == 400
    assert "No name column" in html
    assert "“Teilnehmende”" in html


@override_settings(IMPORT_MAX_BYTES=50)
def test_it_refuses_a_file_over_the_limit(user_client: Client, certificate: Certificate) -> None:
    response = upload(user_client, certificate, b"name\n" + b"Somebody\n" * 20)
    assert "larger than the limit of 50" in page_text(response)
    assert not Recipient.objects.exists()
    assert not StagedUpload.objects.exists()


def test_it_refuses_an_old_excel_workbook(user_client: Client, certificate: Certificate) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
    response = upload(user_client, certificate, data, "list.xls")
    assert "Excel workbook" in page_text(response)


def test_it_refuses_a_damaged_xlsx(user_client: Client, certificate: Certificate) -> None:
    response = upload(user_client, certificate, b"PK\x03\x04" + bytes(200), "list.xlsx")
    assert response.status_code == 400
    assert "could not be read as an Excel workbook" in page_text(response)
    assert not StagedUpload.objects.exists()  # a file that is no list is not kept


def test_it_keeps_viewers_out(viewer_client: Client, certificate: Certificate) -> None:
    assert upload(viewer_client, certificate, b"name\nA\n").status_code == 403
    assert viewer_client.post(confirm_url(certificate), {"staged": "x"}).status_code == 403
    assert not Recipient.objects.exists()
