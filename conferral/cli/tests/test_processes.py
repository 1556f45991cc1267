"""The `conferral` command as a real process: help, a key on stdout, and `serve` running
granian and a worker, and stopping both on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import conferral

ROOT = Path(conferral.__file__).resolve().parent.parent
START_ATTEMPTS = 120
ATTEMPT_SECONDS = 0.25


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database in a temporary data directory."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    environment["CONFERRAL_DATA_DIR"] = str(tmp_path)
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


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_it_prints_help(env: dict[str, str]) -> None:
    result = _conferral(env, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "demo", "apikey", "user", "import", "send"):
        assert command in result.stdout


def test_it_prints_only_the_key(env: dict[str, str]) -> None:
    assert _conferral(env, "migrate").returncode == 0
    result = _conferral(env, "apikey", "create", "--org", "Acme Academy")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"cfk_[\w-]{20,}\n", result.stdout)


def test_it_refuses_serving_an_unmigrated_database(env: dict[str, str]) -> None:
    result = _conferral(env, "serve", "--port", str(_free_port()))
    assert result.returncode == 1
    assert "conferral migrate" in result.stderr


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_it_serves_with_a_worker_and_a_drainer_and_stops_them(env: dict[str, str]) -> None:
    assert _conferral(env, "migrate").returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "conferral.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = ""
        for _attempt in range(START_ATTEMPTS):
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(ATTEMPT_SECONDS)
        assert "Sign in" in page
        stylesheet = re.search(r'href="(/static/dashboard/dashboard[^"]*\.css)"', page)
        assert stylesheet is not None
        with urllib.request.urlopen(base + stylesheet.group(1), timeout=5) as response:
            assert b".bluebox" in response.read()
        children = _children(server.pid)
        commands = [Path(f"/proc/{child}/cmdline").read_bytes() for child in children]
        assert any(b"granian" in command for command in commands)
        assert any(b"conferral.cli\x00worker" in command for command in commands)
        assert any(b"conferral.cli\x00drain" in command for command in commands)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert not [child for child in children if _alive(child)]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
