"""A recipient list imports whatever encoding and delimiter the spreadsheet wrote."""

# ruff: noqa: RUF001 (names and punctuation in many scripts, on purpose)

from __future__ import annotations

import codecs
import io

import pytest

from conferral.certificates.importing import recipients_import
from conferral.certificates.models import Certificate, Recipient

NAMES = [
    ("Jürgen Müller-Łukasz", "juergen@example.com"),
    ("Åsa Øberg", "asa@example.com"),
    ("Zoë Ñúñez", "zoe@example.com"),
]


def _import(certificate: Certificate, data: bytes) -> int:
    return recipients_import(certificate=certificate, stream=io.BytesIO(data), size=len(data))


def _names(certificate: Certificate) -> list[tuple[str, str]]:
    return list(certificate.recipients.order_by("id").values_list("name", "email"))


def _csv(delimiter: str, people: list[tuple[str, str]], newline: str = "\r\n") -> str:
    lines = [f"name{delimiter}email"] + [f"{n}{delimiter}{e}" for n, e in people]
    return newline.join(lines) + newline


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_imports_utf8_with_any_delimiter(certificate: Certificate, delimiter: str) -> None:
    assert _import(certificate, _csv(delimiter, NAMES).encode()) == 3
    assert _names(certificate) == NAMES


def test_it_imports_utf8_with_a_byte_order_mark(certificate: Certificate) -> None:
    assert _import(certificate, codecs.BOM_UTF8 + _csv(",", NAMES).encode()) == 3
    assert _names(certificate) == NAMES


def test_it_imports_utf16_unicode_text_from_excel(certificate: Certificate) -> None:
    assert _import(certificate, _csv("\t", NAMES).encode("utf-16")) == 3
    assert _names(certificate) == NAMES


def test_it_imports_latin1(certificate: Certificate) -> None:
    people = [("Jürgen Müller", "juergen@example.com"), ("Åsa Øberg", "asa@example.com")]
    assert _import(certificate, _csv(",", people).encode("latin-1")) == 2
    assert _names(certificate) == people


def test_it_imports_semicolon_windows_1252_from_german_excel(certificate: Certificate) -> None:
    data = (
        "Vorname;Nachname;E-Mail-Adresse;Kurs;Note\r\n"
        "Jürgen;Müller;juergen@example.com;Grundlagen – Teil 1;1,3\r\n"
        "Zoë;Ñúñez;zoe@example.com;Aufbaukurs „Python“;2,0\r\n"
    ).encode("cp1252")
    assert _import(certificate, data) == 2
    first, second = Recipient.objects.order_by("id")
    assert (first.name, first.email) == ("Jürgen Müller", "juergen@example.com")
    assert first.attributes == {"Kurs": "Grundlagen – Teil 1", "Note": "1,3"}
    assert second.attributes == {"Kurs": "Aufbaukurs „Python“", "Note": "2,0"}


def test_it_switches_to_windows_1252_when_the_first_accent_comes_late(
    certificate: Certificate,
) -> None:
    people = [(f"Person {i}", f"p{i}@example.com") for i in range(30_000)]
    people.append(("Jürgen Müller", "juergen@example.com"))
    data = _csv(";", people).encode("cp1252")
    assert len(data) > 512 * 1024
    assert _import(certificate, data) == 30_001
    assert Recipient.objects.get(email="juergen@example.com").name == "Jürgen Müller"


def test_it_keeps_multibyte_characters_split_across_chunks(certificate: Certificate) -> None:
    people = [(f"王小明 {i}", f"w{i}@example.com") for i in range(20_000)]
    assert _import(certificate, _csv(",", people, newline="\n").encode()) == 20_000
    assert Recipient.objects.filter(name__startswith="王小明 ").count() == 20_000


def test_it_reads_old_mac_line_endings_and_quoted_newlines(certificate: Certificate) -> None:
    data = 'name,email,note\r"Åsa Øberg",asa@example.com,"two\rlines"\rZoë,zoe@example.com,x\r'
    assert _import(certificate, data.encode()) == 2
    assert _names(certificate) == [("Åsa Øberg", "asa@example.com"), ("Zoë", "zoe@example.com")]


def test_it_refuses_utf8_that_breaks_into_another_encoding(certificate: Certificate) -> None:
    from conferral.certificates.csvtext import ImportFileInvalid

    data = _csv(",", NAMES).encode() + "Jörg,joerg@example.com\r\n".encode("latin-1")
    with pytest.raises(ImportFileInvalid, match="mixes encodings"):
        _import(certificate, data)
    assert not Recipient.objects.exists()
