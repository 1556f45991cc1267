"""Redis gone while the rq task queue is in use. A real `conferral worker` (django-tasks-rq,
PostgreSQL) waits for work; Redis is stopped, and a send made while it is away must
still succeed (the outbox rows are the source of truth: the failed enqueue is logged and
left to the sweeper), the worker must say that Redis is unreachable and keep trying, and
once Redis is back every recipient is delivered: none lost, none received twice."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conferral.testing.servers import (
    Server,
    ServerUnavailable,
    redis_server,
    server_start,
    server_stop,
)
from conferral.testing.services import unavailable
from conferral.testing.smtp import SmtpServer
from conferral.testing.workers import (
    ROOT,
    SEND,
    STEP_TIMEOUT,
    WORKER,
    delivered_count,
    python_run,
    setup_code,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.distributed

RECIPIENTS = 100

SETUP = setup_code(recipients=RECIPIENTS, organization="Queue Academy", certificate="Queue Outages")


@pytest.fixture
def redis() -> Iterator[Server]:
    """A Redis server of this test's own: the test stops it."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(redis_server())
        except ServerUnavailable as exc:
            unavailable(str(exc))
        yield server


def _says_redis_is_away(output: str) -> bool:
    """The worker's own line, or rq's when Redis went away while it waited for a job."""
    return "Redis is unreachable" in output or "could not connect to Redis instance" in output


def test_it_sends_while_redis_is_gone_and_delivers_everyone_once_it_is_back(
    redis: Server, fresh_database_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    database_url = fresh_database_url
    env = worker_env(
        tmp_path,
        {
            "DATABASE_URL": database_url,
            "TASKS": "rq",
            "REDIS_URL": redis.url,
            "EMAIL_URL": smtp_server.url,
            "SEND_BATCH_SIZE": "10",
            "SEND_LEASE_SECONDS": "3",
            "SWEEP_INTERVAL_SECONDS": "0.5",
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
        wait_until("the worker to start", lambda: "Worker started" in log.read_text())
        server_stop(redis)
        send = subprocess.run(
            [sys.executable, "-c", SEND, certificate_id],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        wait_until("the worker to notice", lambda: _says_redis_is_away(log.read_text()))
        assert worker.poll() is None, "the worker must wait for Redis, not stop"
        assert not smtp_server.messages, "nothing can be sent while the queue is away"
        server_start(redis)
        back_at = time.monotonic()
        wait_until(
            "every recipient to be delivered", lambda: delivered_count(database_url) == RECIPIENTS
        )
        recovered_in = time.monotonic() - back_at
        assert worker.poll() is None, "the worker must survive the outage"
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)

    copies = Counter(message.rcpt_tos[0] for message in smtp_server.messages)
    print(
        f"recipients={RECIPIENTS} received={len(smtp_server.messages)} "
        f"duplicates={sum(1 for count in copies.values() if count > 1)} "
        f"recovered_in={recovered_in:.1f}s"
    )
    assert send.returncode == 0, send.stderr
    assert send.stdout.split()[-1] == str(RECIPIENTS)
    assert "Could not enqueue the deliver task; the sweeper will start it" in send.stderr
    assert set(copies) == {f"person{i}@example.com" for i in range(RECIPIENTS)}
    assert max(copies.values()) == 1
