"""The sending benchmark's HTTP API client (a running `conferral serve` and its key),
and the count of delivered recipients read straight from the database."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path


class Api:
    """A running `conferral serve` and its API key."""

    def __init__(self, port: int, key: str) -> None:
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.key = key
        self.failures: list[str] = []

    def call(self, method: str, path: str, body: object | None = None) -> object:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")[:300]
            self.failures.append(f"{method} {path}: HTTP {error.code} {text}")
            return None


def delivered_count(env: dict[str, str], certificate: str) -> int:
    """Read straight from the database (a reader, never in the writers' way)."""
    sql = (
        "SELECT count(*) FROM certificates_recipient r JOIN certificates_certificate c "
        "ON c.id = r.certificate_id WHERE c.public_id = %s AND r.email_status = 'delivered'"
    )
    url = env.get("CONFERRAL_DATABASE_URL", "")
    if url:
        import psycopg

        with psycopg.connect(url) as database:
            row = database.execute(sql, (certificate,)).fetchone()
    else:
        import sqlite3

        path = Path(env["CONFERRAL_DATA_DIR"]) / "conferral.sqlite3"
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as database:
            row = database.execute(sql.replace("%s", "?"), (certificate,)).fetchone()
    return int(row[0]) if row else 0
