"""What the tests that run real worker processes share: the Python run in each child
process (a certificate with N recipients, its send, a worker), the child's environment,
running one to its end, waiting for a condition with a deadline, and counting the
delivered recipients from outside."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 120

SEND = """
import sys, django
django.setup()
from conferral.certificates.models import Certificate
from conferral.delivery.services import certificate_send
print(certificate_send(certificate=Certificate.objects.get(pk=int(sys.argv[1]))).queued)
"""
WORKER = """
import django
django.setup()
from conferral.delivery.worker import run_worker
run_worker(verbosity=0)
"""


def setup_code(*, recipients: int, organization: str, certificate: str) -> str:
    """Python that creates the certificate with `recipients` people and prints its pk."""
    return f"""
import django
django.setup()
from conferral.accounts.services import organization_get_or_create
from conferral.certificates.services import RawRow, certificate_create, recipients_add
organization = organization_get_or_create(name={organization!r})
certificate = certificate_create(organization=organization, name={certificate!r})
rows = (RawRow(i, f"Person {{i}}", f"person{{i}}@example.com") for i in range({recipients}))
recipients_add(certificate=certificate, rows=rows, keep=False)
print(certificate.pk)
"""


def worker_env(data_dir: Path, settings: dict[str, str]) -> dict[str, str]:
    """The environment of a child process: this one's without the test run's own
    CONFERRAL_ settings and settings module, the project importable, the data in
    `data_dir`, and each of `settings` as CONFERRAL_<name>."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONFERRAL_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "conferral.settings",
        "PYTHONPATH": str(ROOT),
        "CONFERRAL_DATA_DIR": str(data_dir),
    }
    return env | {f"CONFERRAL_{name}": value for name, value in settings.items()}


def delivered_count(database_url: str) -> int:
    """How many recipients are delivered, read on a connection of its own; 0 while the
    PostgreSQL server is away."""
    try:
        with psycopg.connect(database_url, connect_timeout=2) as db:
            row = db.execute(
                "SELECT count(*) FROM certificates_recipient WHERE email_status = 'delivered'"
            ).fetchone()
    except psycopg.OperationalError:
        return 0
    return int(row[0]) if row else 0


def python_run(env: dict[str, str], *args: str) -> str:
    """Run `python *args` in the project to its end; its last line of output."""
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def wait_until(what: str, condition: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")
