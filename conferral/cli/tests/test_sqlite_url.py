"""A SQLite database given as `CONFERRAL_DATABASE_URL=sqlite:///…` runs like the
default one: `conferral user create` writes while `conferral serve` (web and worker)
runs and is written to through the API, instead of failing with "database is locked"."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

import conferral

ROOT = Path(conferral.__file__).resolve().parent.parent
START_ATTEMPTS = 120
ATTEMPT_SECONDS = 0.25
WRITES = 12
# Its own SQLite database whatever the suite's: run once, in the SQLite pass.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="runs its own SQLite database; once is enough"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database named by URL, outside the data directory."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    environment["CONFERRAL_DATA_DIR"] = str(tmp_path / "data")
    environment["CONFERRAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'by-url.sqlite3'}"
    environment["CONFERRAL_THROTTLE_API_KEY"] = "off"
    return environment


def _conferral(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conferral.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Traffic(threading.Thread):
    """Creates certificates through the API of the running server until stopped,
    keeping every answer's status."""

    def __init__(self, base: str, key: str) -> None:
        super().__init__(daemon=True)
        self.base, self.key = base, key
        self.statuses: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            body = json.dumps({"name": f"Course {len(self.statuses)}", "kind": "certificate"})
            request = urllib.request.Request(
                f"{self.base}/api/v1/certificates",
                data=body.encode(),
                headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self.statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                self.statuses.append(exc.code)


def _wait_until_serving(base: str) -> None:
    for _attempt in range(START_ATTEMPTS):
        try:
            with urllib.request.urlopen(f"{base}/login/", timeout=5):
                return
        except OSError:
            time.sleep(ATTEMPT_SECONDS)
    pytest.fail(f"`conferral serve` did not answer at {base}")


def test_it_creates_users_from_the_cli_while_the_server_writes(env: dict[str, str]) -> None:
    assert _conferral(env, "migrate").returncode == 0
    key = _conferral(env, "apikey", "create", "--org", "Acme Academy").stdout.strip()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "conferral.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    traffic = Traffic(f"http://127.0.0.1:{port}", key)
    try:
        _wait_until_serving(traffic.base)
        traffic.start()
        failures = []
        for number in range(WRITES):
            result = _conferral(
                env,
                "user",
                "create",
                "--email",
                f"user{number}@example.com",
                "--password",
                "long enough",
                "--org",
                "Acme Academy",
            )
            if result.returncode != 0:
                failures.append(result.stderr)
        traffic.stopping.set()
        traffic.join(timeout=120)
        assert failures == []
        assert traffic.statuses
        assert set(traffic.statuses) == {201}
    finally:
        traffic.stopping.set()
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
