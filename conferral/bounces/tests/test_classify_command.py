"""`conferral bounces classify FILE...`: one JSON line per finding, an error line for a
file it cannot use, and the other files still read."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conferral.bounces.tests.agreement import CORPUS
from conferral.cli.main import app


def _run(*paths: Path) -> tuple[int, list[dict[str, str]]]:
    result = CliRunner().invoke(app, ["bounces", "classify", *map(str, paths)])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def test_it_prints_one_line_per_finding() -> None:
    bounce = CORPUS / "handmade" / "gmail-5.1.1.eml"
    reply = CORPUS / "handmade" / "autoreply-exchange-en.eml"
    complaint = CORPUS / "handmade" / "arf-abuse-yahoo.eml"
    code, lines = _run(bounce, reply, complaint)
    assert code == 0
    assert lines[0] == {
        "file": str(bounce),
        "recipient": "lena.fischer@gmail.com",
        "status": "5.1.1",
        "kind": "hard",
        "explanation": "The mailbox does not exist at this domain: check the address for typos.",
    }
    assert [(line["recipient"], line["kind"]) for line in lines[1:]] == [
        ("rachel.green@contoso.example", "autoreply"),
        ("lucy.hale@yahoo.com", "complaint"),
    ]


def test_it_reports_each_bad_file_and_goes_on(tmp_path: Path) -> None:
    missing = tmp_path / "missing.eml"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    bounce = CORPUS / "handmade" / "postfix-5.2.2-full.eml"
    code, lines = _run(missing, junk, bounce, empty, tmp_path)
    assert code == 1
    assert [sorted(line) for line in lines] == [
        ["error", "file"],
        ["error", "file"],
        ["explanation", "file", "kind", "recipient", "status"],
        ["error", "file"],
        ["error", "file"],
    ]
    assert "No such file" in lines[0]["error"]
    assert "binary" in lines[1]["error"]
    assert (lines[2]["recipient"], lines[2]["kind"]) == ("k.ito@example.jp", "soft")
    assert "empty" in lines[3]["error"]
    assert lines[4]["file"] == str(tmp_path)
