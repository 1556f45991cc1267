"""A restarted or surviving worker does not wait out a dead one's lease: workers beat,
and the leases of a worker that stopped beating are handed back within seconds, while
a live worker's leases (however long its batch takes) are left alone. The last test
kills one of two real `conferral worker` processes (SQLite, the database task queue,
an aiosmtpd server) with SIGKILL in the middle of its batch, at default settings: at
most SEND_RECORD_GROUP recipients (the accepted messages not yet recorded, the one on
the wire) get the email twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient
from conferral.delivery import tasks
from conferral.delivery.heartbeat import STALE_AFTER_SECONDS
from conferral.delivery.models import WorkerHeartbeat
from conferral.delivery.outbox import outbox_claim
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import SmtpServer
from conferral.testing.workers import (
    ROOT,
    SEND,
    WORKER,
    python_run,
    setup_code,
    wait_until,
)

RECIPIENTS = 300
KILL_AFTER = 40  # messages received before the worker holding a batch is killed
RECOVERY_LIMIT = 20.0  # seconds from the kill until every recipient is delivered

SETUP = setup_code(
    recipients=RECIPIENTS, organization="Heartbeat Academy", certificate="Staying Alive"
)


def test_it_hands_back_a_silent_workers_leases_at_once_and_leaves_a_beating_ones(
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(5)])
    certificate_send(certificate=certificate)
    now = timezone.now()
    silent = dt.timedelta(seconds=STALE_AFTER_SECONDS + 1)
    WorkerHeartbeat.objects.create(worker_id="dead-host:11:aa", beat_at=now - silent)
    WorkerHeartbeat.objects.create(worker_id="slow-host:12:bb", beat_at=now)
    dead = outbox_claim(lease_owner="dead-host:11:aa:0", limit=3)
    slow = outbox_claim(lease_owner="slow-host:12:bb:0", limit=2)
    started: list[int] = []
    monkeypatch.setattr(tasks, "deliver_enqueue", lambda **kw: started.append(1))

    released = tasks.heartbeat_run("this-host:13:cc")

    assert released == len(dead) == 3
    assert started == [1]
    assert not Recipient.objects.filter(lease_owner__startswith="dead-host:").exists()
    assert Recipient.objects.filter(lease_owner="slow-host:12:bb:0").count() == len(slow)
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {
        "slow-host:12:bb",
        "this-host:13:cc",
    }
    assert tasks.heartbeat_run("this-host:13:cc") == 0  # nothing left to recover


def test_it_finishes_a_killed_workers_batch_within_twenty_seconds(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    smtp_server.delay = 0.02  # a server taking a few milliseconds per message
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONFERRAL_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "conferral.settings",
        "PYTHONPATH": str(ROOT),
        "CONFERRAL_DATA_DIR": str(tmp_path),
        "CONFERRAL_TASKS": "db",
        "CONFERRAL_EMAIL_URL": smtp_server.url,
        "CONFERRAL_SEND_RECORD_GROUP": str(settings.SEND_RECORD_GROUP),
    }
    python_run(env, "manage.py", "migrate", "-v0")
    certificate_id = python_run(env, "-c", SETUP)
    database = sqlite3.connect(tmp_path / "conferral.sqlite3", timeout=30)

    def scalar(sql: str) -> int:
        row = database.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    workers = {}
    for n in range(2):
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker{n}.log", "wb"),  # noqa: SIM115
        )
        workers[worker.pid] = worker
    try:
        wait_until(
            "both workers", lambda: scalar("SELECT count(*) FROM delivery_workerheartbeat") == 2
        )
        assert python_run(env, "-c", SEND, certificate_id) == str(RECIPIENTS)
        wait_until("the send to start", lambda: len(smtp_server.messages) >= KILL_AFTER)
        # The victim is a worker holding a batch: its lease owner names its pid.
        [(owner,)] = database.execute(
            "SELECT lease_owner FROM certificates_recipient WHERE lease_owner <> '' LIMIT 1"
        ).fetchall()
        victim = workers[int(owner.split(":")[1])]
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait(timeout=10)
        received_at_kill = len(smtp_server.messages)

        wait_until(
            "every recipient to be delivered",
            lambda: (
                scalar(
                    "SELECT count(*) FROM certificates_recipient WHERE email_status = 'delivered'"
                )
                == RECIPIENTS
            ),
            limit=RECOVERY_LIMIT * 3,
        )
        recovery = time.monotonic() - killed_at
        survivor = next(worker for worker in workers.values() if worker is not victim)
        assert survivor.poll() is None, "the surviving worker must still be running"
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=10)
        database.close()

    print(f"recovered {RECIPIENTS - received_at_kill} emails {recovery:.1f} s after the kill")
    assert received_at_kill < RECIPIENTS, "the worker was killed after the send had finished"
    assert recovery < RECOVERY_LIMIT
    copies = Counter(message.rcpt_tos[0] for message in smtp_server.messages)
    assert set(copies) == {f"person{i}@example.com" for i in range(RECIPIENTS)}
    twice = [address for address, count in copies.items() if count > 1]
    assert len(twice) <= settings.SEND_RECORD_GROUP, f"received more than once: {twice}"
    assert max(copies.values()) <= 2
