"""What the tests that run real worker processes share: the Python run in each child
process (a certificate with N recipients, its send, a worker), running one to its end,
and waiting for a condition with a deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
