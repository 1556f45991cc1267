"""A mail URL that cannot work stops Conferral at start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://", "a host is required"),
        ("carrier-pigeon://coop", "use mailbox:, smtp://"),
        ("django://no.such.backend.EmailBackend", "cannot be imported"),
    ],
)
def test_it_refuses_to_start_with_a_bad_email_url(url: str, message: str, tmp_path: Path) -> None:
    env = {**os.environ, "CONFERRAL_EMAIL_URL": url, "CONFERRAL_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "CONFERRAL_EMAIL_URL" in done.stderr
    assert message in done.stderr
