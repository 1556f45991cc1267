"""`conferral import CERTIFICATE_ID FILE.csv`."""

# ruff: noqa: RUF001 (names in many scripts, on purpose)

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import certificate_create
from conferral.cli import output
from conferral.cli.tests.conftest import Run


def test_it_imports_a_file_and_says_how_many(
    run: Run, certificate: Certificate, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Name;E-Mail;Kurs\nJürgen Müller-Łukasz;j@example.com;A\nАнна Иванова;;B\n",
        encoding="utf-8-sig",
    )
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 0, result.output
    assert "Reading list.csv 0% (0/1 KiB)" in result.stdout
    assert "Reading list.csv 100% (1/1 KiB)" in result.stdout
    assert "Added 2 recipients to “Python Fundamentals”." in result.stdout
    assert sorted(Recipient.objects.values_list("name", flat=True)) == [
        "Jürgen Müller-Łukasz",
        "Анна Иванова",
    ]


def test_it_shows_a_progress_bar_on_a_terminal(
    run: Run, certificate: Certificate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    path = tmp_path / "list.csv"
    path.write_text("name\nÅsa\n", encoding="utf-8")
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 0
    assert "━" in result.stdout
    assert "Added 1 recipient to “Python Fundamentals”." in result.stdout


def test_it_prints_every_bad_row_and_adds_nothing(
    run: Run, certificate: Certificate, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,email\nGood,good@example.com\nTypo,t@gmial.com\n,x@example.com\nA,good@example.com\n",
        encoding="utf-8",
    )
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Row 3, email:")
    assert "gmail.com" in lines[0]
    assert lines[1].startswith("Row 4, name:")
    assert lines[2].startswith("Row 5, email:")
    assert "row 2" in lines[2]
    assert lines[3] == "Error: 3 problems in list.csv; nothing was added."
    assert not Recipient.objects.exists()


def test_it_counts_a_single_problem_in_the_singular(
    run: Run, certificate: Certificate, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,email\nGood,good@example.com\nTypo,t@gmial.com\n", encoding="utf-8")
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: 1 problem in list.csv; nothing was added."


def test_it_explains_a_file_it_cannot_read(
    run: Run, certificate: Certificate, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Vorname,Mail\nÅsa,a@example.com\n", encoding="utf-8")
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 1
    assert "No name column" in result.stderr
    assert "Nothing was added." in result.stderr


def test_it_refuses_a_wrong_certificate_id(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nÅsa\n", encoding="utf-8")
    result = run("import", "nope", str(path))
    assert result.exit_code == 1
    assert "There is no certificate with the id “nope”" in result.stderr
    assert "Traceback" not in result.output


def test_it_refuses_a_missing_file(run: Run, certificate: Certificate, tmp_path: Path) -> None:
    result = run("import", certificate.public_id, str(tmp_path / "missing.csv"))
    assert result.exit_code == 1
    assert "There is no file" in result.stderr


def test_it_takes_an_id_whose_random_start_was_a_dash(
    run: Run, org: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: "-" + "A" * 15)
    certificate = certificate_create(organization=org, name="Dashing")
    assert certificate.public_id == "_" + "A" * 15
    path = tmp_path / "list.csv"
    path.write_text("name\nÅsa\n", encoding="utf-8")
    result = run("import", certificate.public_id, str(path))
    assert result.exit_code == 0, result.output
