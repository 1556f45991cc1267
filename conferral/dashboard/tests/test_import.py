"""Uploading a CSV recipient list from the dashboard."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from conferral.certificates.models import Certificate, Recipient


def _upload(client: Client, certificate: Certificate, data: bytes, name: str = "list.csv"):  # type: ignore[no-untyped-def]
    url = reverse("dashboard:certificate_import", kwargs={"certificate_id": certificate.public_id})
    return client.post(url, {"file": SimpleUploadedFile(name, data, "text/csv")}, follow=True)


def test_it_imports_a_german_excel_file(user_client: Client, certificate: Certificate) -> None:
    data = "Vorname;Nachname;E-Mail-Adresse\r\nJürgen;Müller;j@example.com\r\n".encode("cp1252")
    response = _upload(user_client, certificate, data)
    assert "1 recipient was added." in response.content.decode()
    assert Recipient.objects.get().name == "Jürgen Müller"


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
    response = _upload(user_client, certificate, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "3 problems were found; nothing was added." in html
    assert '<td class="number">3</td>' in html
    assert "gmail.com" in html
    assert '<td class="number">4</td>' in html
    assert "1 value, but the first row has 2 columns" in html
    assert '<td class="number">5</td>' in html
    assert "not-an-address" in html
    assert not Recipient.objects.exists()


def test_it_explains_a_missing_name_column(user_client: Client, certificate: Certificate) -> None:
    response = _upload(user_client, certificate, b"Teilnehmende,Mail\nA,a@example.com\n")
    html = response.content.decode()
    assert response.status_code == 400
    assert "No name column" in html
    assert "“Teilnehmende”" in html


@override_settings(IMPORT_MAX_BYTES=50)
def test_it_refuses_a_file_over_the_limit(user_client: Client, certificate: Certificate) -> None:
    response = _upload(user_client, certificate, b"name\n" + b"Somebody\n" * 20)
    assert "larger than the limit of 50" in response.content.decode()
    assert not Recipient.objects.exists()


def test_it_refuses_a_workbook(user_client: Client, certificate: Certificate) -> None:
    response = _upload(user_client, certificate, b"PK\x03\x04" + bytes(200), "list.xlsx")
    assert "Excel workbook" in response.content.decode()


def test_it_keeps_viewers_out(viewer_client: Client, certificate: Certificate) -> None:
    assert _upload(viewer_client, certificate, b"name\nA\n").status_code == 403
    assert not Recipient.objects.exists()
