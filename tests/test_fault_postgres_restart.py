"""PostgreSQL restarted in the middle of a send. A real `conferral worker` process (the
database task queue on PostgreSQL) sends to an aiosmtpd server; the PostgreSQL server
is stopped (fast shutdown, which cuts every client off) and started again on the same
port while the batch goes out. The worker must say that it lost the database, keep
running, and finish: every recipient delivered, and at most SEND_RECORD_GROUP of them
(the accepted messages whose group was not yet recorded when the connection died, the
one on the wire among them) received twice, none three times."""

from __future__ import annotations

import contextlib
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
    delivered_count,
    python_run,
    setup_code,
    wait_until,
    worker_env,
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


def test_it_delivers_everyone_once_when_postgres_restarts_mid_send(
    postgres: Server, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    smtp_server.delay = 0.01  # a server taking a few milliseconds per message
    env = worker_env(
        tmp_path,
        {
            "DATABASE_URL": postgres.url,
            "TASKS": "db",
            "EMAIL_URL": smtp_server.url,
            "SEND_BATCH_SIZE": "10",
            "SEND_LEASE_SECONDS": "3",
            "SWEEP_INTERVAL_SECONDS": "0.5",
            "SEND_RECORD_GROUP": str(settings.SEND_RECORD_GROUP),
        },
    )
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
            "every recipient to be delivered", lambda: delivered_count(postgres.url) == RECIPIENTS
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
