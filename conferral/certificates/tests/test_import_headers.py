"""Column headers are recognised however a spreadsheet spells them."""

# ruff: noqa: RUF001 (names and punctuation in many scripts, on purpose)

from __future__ import annotations

import io

import pytest

from conferral.certificates.csvtext import ImportFileInvalid
from conferral.certificates.importing import recipients_import
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus


def _import(certificate: Certificate, text: str) -> int:
    data = text.encode()
    return recipients_import(certificate=certificate, stream=io.BytesIO(data), size=len(data))


@pytest.mark.parametrize(
    ("name_header", "email_header"),
    [
        ("name", "email"),
        ("Name", "E-Mail"),
        ("Full Name", "Email Address"),
        ("  RECIPIENT ", "mail"),
        ("Vollständiger Name", "E-Mail-Adresse"),
        ("vollstandiger_name", "e_mail"),
    ],
)
def test_it_recognises_name_and_email_headers(
    certificate: Certificate, name_header: str, email_header: str
) -> None:
    assert _import(certificate, f"{name_header},{email_header}\nÅsa Øberg,asa@example.com\n") == 1
    recipient = Recipient.objects.get()
    assert (recipient.name, recipient.email, recipient.attributes) == (
        "Åsa Øberg",
        "asa@example.com",
        {},
    )


@pytest.mark.parametrize(
    "header", ["first name;last name;email", "Vorname;Nachname;E-Mail", "Given Name;Surname;Mail"]
)
def test_it_joins_first_and_last_name(certificate: Certificate, header: str) -> None:
    assert _import(certificate, f"{header}\nJürgen;Müller-Łukasz;j@example.com\n") == 1
    assert Recipient.objects.get().name == "Jürgen Müller-Łukasz"


def test_it_keeps_every_other_column_as_an_attribute(certificate: Certificate) -> None:
    text = 'Kurs,Name,Note,E-Mail\nGrundlagen,Zoë Ñúñez,"1,3",zoe@example.com\n'
    assert _import(certificate, text) == 1
    assert Recipient.objects.get().attributes == {"Kurs": "Grundlagen", "Note": "1,3"}


def test_it_imports_a_list_without_an_email_column(certificate: Certificate) -> None:
    assert _import(certificate, "name\nАнна Иванова\n王小明\n") == 2
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {
        EmailStatus.NOT_PROVIDED
    }


def test_it_skips_blank_rows_and_trailing_separators(certificate: Certificate) -> None:
    text = "name;email;;\r\n\r\nÅsa;asa@example.com;;\r\n;;;\r\nZoë;zoe@example.com\r\n"
    assert _import(certificate, text) == 2


def test_it_names_the_columns_it_found_when_the_name_is_missing(
    certificate: Certificate,
) -> None:
    with pytest.raises(ImportFileInvalid) as info:
        _import(certificate, "Teilnehmende Person;E-Mail\nÅsa;asa@example.com\n")
    message = str(info.value)
    assert "No name column" in message
    assert "“Teilnehmende Person”" in message
    assert "“E-Mail”" in message
    assert not Recipient.objects.exists()


def test_it_refuses_only_a_first_name_column(certificate: Certificate) -> None:
    with pytest.raises(ImportFileInvalid, match="No name column"):
        _import(certificate, "first name,email\nÅsa,asa@example.com\n")


def test_it_refuses_a_column_named_twice(certificate: Certificate) -> None:
    with pytest.raises(ImportFileInvalid, match="“Kurs” appears twice"):
        _import(certificate, "name,Kurs,Kurs\nÅsa,a,b\n")
