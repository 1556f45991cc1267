"""A limit holds across processes: two `conferral serve` servers on one database count
the same client's misses together, so switching servers gains a guesser nothing."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import conferral
from conferral.testing.servers import free_port

ROOT = Path(conferral.__file__).resolve().parent.parent
ALLOWED_MISSES = 6
GUESSES = 30
START_ATTEMPTS = 240
ATTEMPT_SECONDS = 0.25


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database in a temporary data directory, with a small limit."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    environment["CONFERRAL_DATA_DIR"] = str(tmp_path)
    environment["CONFERRAL_THROTTLE_LINK_ADDRESS"] = f"{ALLOWED_MISSES}/3600"
    return environment


def _status(url: str) -> tuple[int, str]:
    """The status of a GET and its Retry-After header ("" when it has none)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Retry-After", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After", "")


@contextlib.contextmanager
def _server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "conferral.cli", "serve", "--no-worker", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(START_ATTEMPTS):
            with contextlib.suppress(OSError):
                if _status(f"{base}/claim")[0] == 200:
                    break
            assert process.poll() is None, "the server exited"
            time.sleep(ATTEMPT_SECONDS)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_it_counts_the_misses_of_two_server_processes_together(env: dict[str, str]) -> None:
    migrated = subprocess.run(
        [sys.executable, "-m", "conferral.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr

    with _server(env) as first, _server(env) as second:
        answers = [
            _status(f"{(first, second)[n % 2]}/r/{secrets.token_hex(8).upper()}")
            for n in range(GUESSES)
        ]

    statuses = [status for status, _retry in answers]
    assert statuses == [404] * ALLOWED_MISSES + [429] * (GUESSES - ALLOWED_MISSES)
    assert all(retry.isdigit() and int(retry) > 0 for _status, retry in answers[ALLOWED_MISSES:])
