"""PostgreSQL restarted in the middle of a send. A real `conferral worker` process (the
database task queue on PostgreSQL) sends to an aiosmtpd server; the PostgreSQL server
is stopped (fast shutdown, which cuts every client off) and started again on the same
port while the batch goes out. The worker must say that it lost the database, keep
running, and finish: every recipient delivered, and at most SEND_RECORD_GROUP of them
(the accepted messages whose group was not yet recorded when the connection died, the
one on the wire among them) received twice, none three times."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from conferral.testing.servers import Server, ServerUnavailable, postgres_server, server_restart
from conferral.testing.services import unavailable
from conferral.testing.smtp import SmtpServer
from conferral.testing.workers import (
    ROOT,
    SEND,
    WORKER,
    python_run,
    setup_code,
    wait_until,
)

pytestmark = pytest.mark.distributed

RECIPIENTS = 300
RESTART_AFTER = 60  # messages received before PostgreSQL is restarted

SETUP = setup_code(
    recipients=RECIPIENTS, organization="Restart Academy", certificate="Staying Connected"
)


@pytest.fixture
def postgres() -> Iterator[Server]:
    """A PostgreSQL server of this test's own: the test restarts it."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server())
        except ServerUnavailable as exc:
            unavailable(str(exc))
        yield server


def _delivered(url: str) -> int:
    """How many recipients are delivered; 0 while the server is away."""
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            row = db.execute(
                "SELECT count(*) FROM certificates_recipient WHERE email_status = 'delivered'"
            ).fetchone()
    except psycopg.OperationalError:
        return 0
    return int(row[0]) if row else 0


def test_it_delivers_everyone_once_when_postgres_restarts_mid_send(
    postgres: Server, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    smtp_server.delay = 0.01  # a server taking a few milliseconds per message
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONFERRAL_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "conferral.settings",
        "PYTHONPATH": str(ROOT),
        "CONFERRAL_DATA_DIR": str(tmp_path),
        "CONFERRAL_DATABASE_URL": postgres.url,
        "CONFERRAL_TASKS": "db",
        "CONFERRAL_EMAIL_URL": smtp_server.url,
        "CONFERRAL_SEND_BATCH_SIZE": "10",
        "CONFERRAL_SEND_LEASE_SECONDS": "3",
        "CONFERRAL_SWEEP_INTERVAL_SECONDS": "0.5",
        "CONFERRAL_SEND_RECORD_GROUP": str(settings.SEND_RECORD_GROUP),
    }
    python_run(env, "manage.py", "migrate", "-v0")
    certificate_id = python_run(env, "-c", SETUP)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115
    )
    try:
        assert python_run(env, "-c", SEND, certificate_id) == str(RECIPIENTS)
        wait_until("the send to start", lambda: len(smtp_server.messages) >= RESTART_AFTER)
        server_restart(postgres)
        restarted_at = time.monotonic()
        received_at_restart = len(smtp_server.messages)
        wait_until(
            "every recipient to be delivered", lambda: _delivered(postgres.url) == RECIPIENTS
        )
        recovered_in = time.monotonic() - restarted_at
        assert worker.poll() is None, "the worker must survive the restart"
        with psycopg.connect(postgres.url) as db:
            pending = db.execute(
                "SELECT count(*) FROM certificates_recipient "
                "WHERE next_attempt_at IS NOT NULL OR lease_owner <> ''"
            ).fetchone()
            events = db.execute(
                "SELECT count(DISTINCT recipient_id) FROM certificates_event "
                "WHERE type = 'email.delivered'"
            ).fetchone()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)

    output = log.read_text()
    copies = Counter(message.rcpt_tos[0] for message in smtp_server.messages)
    twice = [address for address, count in copies.items() if count > 1]
    print(
        f"recipients={RECIPIENTS} received={len(smtp_server.messages)} "
        f"duplicates={len(twice)} recovered_in={recovered_in:.1f}s"
    )
    assert received_at_restart < RECIPIENTS, "PostgreSQL restarted after the send had finished"
    assert "Database connection lost" in output, output
    assert pending == (0,)
    assert events == (RECIPIENTS,)
    assert set(copies) == {f"person{i}@example.com" for i in range(RECIPIENTS)}
    assert len(twice) <= settings.SEND_RECORD_GROUP, f"received more than once: {twice}"
    assert max(copies.values()) <= 2
