"""The whole corpus through `conferral bounces classify`, compared with the labels of
its manifest. The floors are the figures measured when the corpus was assembled, a
little rounded down: a change to the classifier or the parser that loses agreement
fails here (scripts/bounce_corpus.py prints the full table)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conferral.bounces.tests.agreement import agreement, corpus_files, manifest, table
from conferral.cli.main import app

FOUND_FLOOR = 0.98
KIND_FLOOR = 0.92


def test_it_agrees_with_the_corpus_labels() -> None:
    files = corpus_files()
    assert len(files) >= 60
    result = CliRunner().invoke(app, ["bounces", "classify", *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    measured = agreement(lines)
    print(table(measured))
    assert measured.errors == 0
    assert measured.found >= FOUND_FLOOR * measured.expected
    assert measured.agreed >= KIND_FLOOR * measured.found
    for kind in ("autoreply", "complaint"):
        assert measured.kinds[kind].agreed == measured.kinds[kind].expected


def test_it_lists_a_source_and_licence_for_every_corpus_file() -> None:
    entries = manifest()
    on_disk = {
        path.relative_to(corpus_files()[0].parents[1]).as_posix()
        for path in corpus_files()[0].parents[1].rglob("*")
        if path.is_file() and path.suffix in (".txt", ".eml")
    }
    assert on_disk == {entry["file"] for entry in entries}
    assert all(entry["source"] and entry["licence"] for entry in entries)
