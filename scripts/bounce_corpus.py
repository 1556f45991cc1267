"""Print how well `conferral bounces classify` agrees with the bounce corpus manifest:
per kind, the recipients found and the kinds that agree.

    .venv/bin/python scripts/bounce_corpus.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conferral.bounces.tests.agreement import agreement, corpus_files, table  # noqa: E402


def main() -> None:
    command = [str(ROOT / ".venv" / "bin" / "conferral"), "bounces", "classify"]
    done = subprocess.run(
        [*command, *map(str, corpus_files())], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        sys.exit(done.stderr)
    print(table(agreement(json.loads(line) for line in done.stdout.splitlines())))


if __name__ == "__main__":
    main()
