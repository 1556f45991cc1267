"""The real distributed mode: PostgreSQL, Redis (django-tasks-rq) and two `conferral worker`
processes sending to an aiosmtpd server. One worker is killed with SIGKILL in the middle of
the send; the survivor and its sweeper must finish it. Every recipient is delivered and
receives the email, and at most SEND_RECORD_GROUP of them (the accepted messages not yet
recorded, the one on the wire) receive it twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.conf import settings

from conferral.core.ids import public_id
from conferral.testing.smtp import SmtpServer

pytestmark = pytest.mark.distributed

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 300
KILL_AFTER = 60  # messages received before one worker is killed
REDIS_DB = 7  # a database of its own on the test Redis server
STEP_TIMEOUT = 120
WAIT_LIMIT = 120.0

SETUP = f"""
import django
django.setup()
from conferral.accounts.services import organization_get_or_create
from conferral.certificates.services import RawRow, certificate_create, recipients_add
organization = organization_get_or_create(name="Distributed Academy")
certificate = certificate_create(organization=organization, name="Distributed Systems")
rows = (RawRow(i, f"Person {{i}}", f"person{{i}}@example.com") for i in range({RECIPIENTS}))
recipients_add(certificate=certificate, rows=rows, keep=False)
print(certificate.pk)
"""
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


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@pytest.fixture
def database_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own."""
    name = f"conferral_distributed_{public_id().lower().replace('-', '_')}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_path(postgres_url, f"/{name}")
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def queue_url(redis_url: str) -> Iterator[str]:
    url = _with_path(redis_url, f"/{REDIS_DB}")
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def _run(env: dict[str, str], code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _wait(what: str, condition: object) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_it_delivers_everyone_once_when_a_worker_is_killed_mid_send(
    database_url: str, queue_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    smtp_server.delay = 0.01  # a server taking a few milliseconds per message
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conferral.settings",
        "PYTHONPATH": str(ROOT),
        "CONFERRAL_DATA_DIR": str(tmp_path),
        "CONFERRAL_DATABASE_URL": database_url,
        "CONFERRAL_TASKS": "rq",
        "CONFERRAL_REDIS_URL": queue_url,
        "CONFERRAL_EMAIL_URL": smtp_server.url,
        "CONFERRAL_SEND_BATCH_SIZE": "10",
        "CONFERRAL_SEND_LEASE_SECONDS": "3",
        "CONFERRAL_SWEEP_INTERVAL_SECONDS": "0.5",
        "CONFERRAL_SEND_RECORD_GROUP": str(settings.SEND_RECORD_GROUP),
    }
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert migrated.returncode == 0, migrated.stderr
    certificate_id = _run(env, SETUP)
    queue = redis.Redis.from_url(queue_url)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker{n}.log", "wb"),  # noqa: SIM115
        )
        for n in range(2)
    ]
    try:
        _wait("both workers", lambda: len(queue.smembers("rq:workers")) == 2)

        assert _run(env, SEND, certificate_id) == str(RECIPIENTS)
        _wait("the send to start", lambda: len(smtp_server.messages) >= KILL_AFTER)
        victim = workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        received_at_kill = len(smtp_server.messages)

        with psycopg.connect(database_url, autocommit=True) as db:

            def delivered() -> int:
                row = db.execute(
                    "SELECT count(*) FROM certificates_recipient WHERE email_status = 'delivered'"
                ).fetchone()
                return int(row[0]) if row else 0

            _wait("every recipient to be delivered", lambda: delivered() == RECIPIENTS)
            pending = db.execute(
                "SELECT count(*) FROM certificates_recipient "
                "WHERE next_attempt_at IS NOT NULL OR lease_owner <> ''"
            ).fetchone()
            events = db.execute(
                "SELECT count(DISTINCT recipient_id) FROM certificates_event "
                "WHERE type = 'email.delivered'"
            ).fetchone()
        assert workers[1].poll() is None, "the surviving worker must still be running"
    finally:
        for worker in workers:
            _stop(worker)

    assert victim.returncode == -signal.SIGKILL
    assert received_at_kill < RECIPIENTS, "the worker was killed after the send had finished"
    assert pending == (0,)
    assert events == (RECIPIENTS,)
    copies = Counter(message.rcpt_tos[0] for message in smtp_server.messages)
    assert set(copies) == {f"person{i}@example.com" for i in range(RECIPIENTS)}
    twice = [address for address, count in copies.items() if count > 1]
    assert len(twice) <= settings.SEND_RECORD_GROUP, f"received more than once: {twice}"
    assert max(copies.values()) <= 2
