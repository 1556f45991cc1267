"""Take the published address ranges of conferral/tracking/networks/ again from their
sources (Apple's registry records, Microsoft 365's endpoint list, Google's crawler
lists) and rewrite each file with today's date. Needs the internet; a source that fails
leaves its file as it was, and the command then exits with 1.

    .venv/bin/python scripts/update_networks.py [--from http://127.0.0.1:8000]

--from reads every source from that server instead, at /<host>/<path> of its URL (a
mirror, or the suite's fixture server)."""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conferral.tracking.network_sources import download, networks_update  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="mirror", default="", help="read the sources from here")
    parser.add_argument(
        "--folder", type=Path, default=None, help="the network files (default: the repository's)"
    )
    options = parser.parse_args()

    def fetch(url: str) -> bytes:
        if not options.mirror:
            return download(url)
        parts = urllib.parse.urlsplit(url)
        path = f"/{parts.hostname}{parts.path}"
        return download(options.mirror.rstrip("/") + urllib.parse.quote(path))

    kwargs = {"folder": options.folder} if options.folder else {}
    results = networks_update(fetch=fetch, **kwargs)
    failed = False
    for name, result in results.items():
        if isinstance(result, int):
            print(f"{name}: {result} networks")
        else:
            failed = True
            print(f"{name}: left unchanged: {result}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
