"""How well `conferral bounces classify` agrees with the corpus manifest
(conferral/bounces/corpus/expected.json): for each expected kind, how many of its
recipients were found at all, and how many of those with the expected kind. Used by the
corpus test (which holds a floor) and by scripts/bounce_corpus.py (which prints it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFEST = CORPUS / "expected.json"


def manifest() -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))["messages"]
    return messages


def corpus_files() -> list[Path]:
    return [CORPUS / entry["file"] for entry in manifest()]


@dataclass
class KindScore:
    expected: int = 0
    found: int = 0  # the recipient was reported, with any kind
    agreed: int = 0  # … with the expected kind


@dataclass
class Agreement:
    kinds: dict[str, KindScore] = field(default_factory=dict)
    unexpected: int = 0  # findings the manifest does not list
    errors: int = 0  # files the command could not read as an email

    @property
    def expected(self) -> int:
        return sum(score.expected for score in self.kinds.values())

    @property
    def found(self) -> int:
        return sum(score.found for score in self.kinds.values())

    @property
    def agreed(self) -> int:
        return sum(score.agreed for score in self.kinds.values())


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def agreement(lines: Iterable[dict[str, str]]) -> Agreement:
    """Compare the command's JSON lines with the manifest."""
    reported: dict[tuple[str, str], str] = {}
    result = Agreement()
    for line in lines:
        name = Path(line["file"]).resolve().relative_to(CORPUS).as_posix()
        if "error" in line:
            result.errors += 1
            continue
        reported[(name, line["recipient"].lower())] = line["kind"]
    listed = set()
    for entry in manifest():
        for finding in entry["findings"]:
            key = (entry["file"], finding["recipient"].lower())
            listed.add(key)
            score = result.kinds.setdefault(finding["kind"], KindScore())
            score.expected += 1
            if key in reported:
                score.found += 1
                score.agreed += reported[key] == finding["kind"]
    result.unexpected = sum(key not in listed for key in reported)
    return result


def table(result: Agreement) -> str:
    """The agreement as a plain text table."""
    rows = [
        f"{'kind':<10} {'expected':>8} {'found':>6} {'found %':>8} {'kind ok':>8} {'kind %':>8}"
    ]
    for kind, score in sorted(result.kinds.items()):
        rows.append(
            f"{kind:<10} {score.expected:>8} {score.found:>6} "
            f"{_percent(score.found, score.expected):>8} {score.agreed:>8} "
            f"{_percent(score.agreed, score.found):>8}"
        )
    rows.append(
        f"{'all':<10} {result.expected:>8} {result.found:>6} "
        f"{_percent(result.found, result.expected):>8} {result.agreed:>8} "
        f"{_percent(result.agreed, result.found):>8}"
    )
    rows.append(
        f"findings not in the manifest: {result.unexpected}; unreadable files: {result.errors}"
    )
    return "\n".join(rows)
