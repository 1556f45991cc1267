"""One kept-open connection carries any mix of requests through `conferral serve`:
GET, HEAD, refused and unread POSTs, `Expect: 100-continue`. Granian closes a
connection whose last request body was left unread, and a client that already sent
its next request on it got no answer; conferral/core/wsgi_drain.py reads the rest."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

import conferral

ROOT = Path(conferral.__file__).resolve().parent.parent
START_ATTEMPTS = 120
ATTEMPT_SECONDS = 0.25
CONNECTIONS = 4
REQUESTS_PER_CONNECTION = 130
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# (method, path, body, headers): answers the views give without reading every body.
MIX: list[tuple[str, str, bytes | None, dict[str, str]]] = [
    ("GET", "/login/", None, {}),
    ("HEAD", "/t/o/unknown/forged.gif", None, {}),
    ("POST", "/claim", b"token=wrong&email=ada%40example.com", FORM),
    ("GET", "/no-such-page", None, {}),
    ("POST", "/login/", b"username=ada&password=" + b"x" * 100_000, FORM),
    ("PUT", "/claim", b"put", {"Content-Type": "text/plain"}),
    ("POST", "/no-such-page", b"y" * 200_000, {"Content-Type": "application/octet-stream"}),
    ("POST", "/claim", None, {"Content-Length": "0"}),
    ("DELETE", "/login/", None, {}),
    ("POST", "/claim", b"z" * 70_000, {"Expect": "100-continue", **FORM}),
    ("HEAD", "/login/", None, {}),
]
# Its own SQLite database whatever the suite's: run once, in the SQLite pass.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="runs its own SQLite database; once is enough"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    """A migrated `conferral serve --no-worker` on a free port, stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    env["CONFERRAL_DATA_DIR"] = str(tmp_path / "data")
    env["CONFERRAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'keep-alive.sqlite3'}"
    migrated = subprocess.run(
        [sys.executable, "-m", "conferral.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "conferral.cli", "serve", "--no-worker", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(START_ATTEMPTS):
            try:
                with urllib.request.urlopen(f"{url}/login/", timeout=5):
                    break
            except OSError:
                time.sleep(ATTEMPT_SECONDS)
        else:
            pytest.fail(f"`conferral serve` did not answer at {url}")
        yield url
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


def _send_all(port: int) -> tuple[int, Counter[str]]:
    """Every request of the mix, in turn, on CONNECTIONS kept-open connections: how
    many were sent, and which ones lost their connection (by method and path)."""
    sent, lost = 0, Counter[str]()
    for _connection in range(CONNECTIONS):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for number in range(REQUESTS_PER_CONNECTION):
            method, path, body, headers = MIX[number % len(MIX)]
            sent += 1
            try:
                client.request(method, path, body=body, headers=headers)
                response = client.getresponse()
                response.read()
            except (http.client.HTTPException, OSError) as exc:
                lost[f"{method} {path}: {type(exc).__name__}"] += 1
                client.close()
                continue
            if response.will_close:
                lost[f"{method} {path}: closed by the server"] += 1
        client.close()
    return sent, lost


def test_it_answers_every_request_on_kept_open_connections(base: str) -> None:
    sent, lost = _send_all(int(base.rsplit(":", 1)[1]))
    assert sent == CONNECTIONS * REQUESTS_PER_CONNECTION
    assert lost == Counter()
