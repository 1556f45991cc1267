"""Workers killed while their sweeper runs. A send is left behind by a crashed worker:
every pending recipient's lease expired, for the next sweeper to hand back. Real
`conferral worker` processes (PostgreSQL, the database task queue, an aiosmtpd server) with a
sweeper running every few milliseconds are started one after another, each killed with
SIGKILL at a random moment (seeded, bounded) once it sends, while its sweeper hands
leases back and its batches go out. A last worker must then finish everything: every
recipient delivered, each kill costing at most SEND_RECORD_GROUP messages sent again
(the accepted ones not yet recorded, the one on the wire), and no lease left behind."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from conferral.testing.smtp import SmtpServer
from conferral.testing.workers import (
    ROOT,
    SEND,
    WORKER,
    python_run,
    setup_code,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.distributed

RECIPIENTS = 200
KILLS = 6
# Seconds after a worker's first message at which it is killed: while it sends, with
# accepted messages not yet recorded (a server taking 10 ms a message sends ~20 in it).
KILL_WINDOW = (0.0, 0.2)
SEED = 20261201

SETUP = setup_code(
    recipients=RECIPIENTS, organization="Sweeper Academy", certificate="Clean Sweeps"
)


def test_it_finishes_a_send_whose_workers_are_killed_mid_sweep(
    fresh_database_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    database_url = fresh_database_url
    smtp_server.delay = 0.01  # a server taking a few milliseconds per message
    env = worker_env(
        tmp_path,
        {
            "DATABASE_URL": database_url,
            "TASKS": "db",
            "EMAIL_URL": smtp_server.url,
            "SEND_BATCH_SIZE": "10",
            "SEND_LEASE_SECONDS": "3",
            "SWEEP_INTERVAL_SECONDS": "0.01",
            "SEND_RECORD_GROUP": str(settings.SEND_RECORD_GROUP),
        },
    )
    python_run(env, "manage.py", "migrate", "-v0")
    certificate_id = python_run(env, "-c", SETUP)
    assert python_run(env, "-c", SEND, certificate_id) == str(RECIPIENTS)
    database = psycopg.connect(database_url, autocommit=True)

    def scalar(sql: str) -> int:
        row = database.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    pace = random.Random(SEED)
    killed: list[int] = []
    survivor: subprocess.Popen[bytes] | None = None
    try:
        for n in range(KILLS):
            # A worker crashed holding what is left, and its leases ran out.
            database.execute(
                "UPDATE certificates_recipient SET lease_owner = 'crashed-host:1:aa:0', "
                "lease_until = '2000-01-01 00:00:00+00' WHERE next_attempt_at IS NOT NULL"
            )
            log = tmp_path / f"victim{n}.log"
            victim = subprocess.Popen(
                [sys.executable, "-c", WORKER],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=open(log, "wb"),  # noqa: SIM115
            )
            before = len(smtp_server.messages)
            wait_until("the worker to run", lambda: "Worker started" in log.read_text())  # noqa: B023
            wait_until("the worker to send", lambda: len(smtp_server.messages) > before)  # noqa: B023
            time.sleep(pace.uniform(*KILL_WINDOW))
            victim.send_signal(signal.SIGKILL)
            killed.append(victim.wait(timeout=10))
        received_at_kills = len(smtp_server.messages)
        survivor = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "survivor.log", "wb"),  # noqa: SIM115
        )
        last_kill = time.monotonic()
        wait_until(
            "every recipient to be delivered",
            lambda: (
                scalar(
                    "SELECT count(*) FROM certificates_recipient WHERE email_status = 'delivered'"
                )
                == RECIPIENTS
            ),
        )
        recovered_in = time.monotonic() - last_kill
        assert survivor.poll() is None, "the last worker must still be running"
        leases_left = scalar(
            "SELECT count(*) FROM certificates_recipient "
            "WHERE next_attempt_at IS NOT NULL OR lease_owner <> '' OR lease_until IS NOT NULL"
        )
        delivered_events = scalar(
            "SELECT count(*) FROM certificates_event WHERE type = 'email.delivered'"
        )
    finally:
        if survivor is not None and survivor.poll() is None:
            survivor.send_signal(signal.SIGTERM)
            try:
                survivor.wait(timeout=20)
            except subprocess.TimeoutExpired:
                survivor.kill()
                survivor.wait(timeout=10)
        database.close()

    copies = Counter(message.rcpt_tos[0] for message in smtp_server.messages)
    twice = [address for address, count in copies.items() if count > 1]
    print(
        f"recipients={RECIPIENTS} kills={len(killed)} received_during_kills={received_at_kills} "
        f"received={len(smtp_server.messages)} duplicates={len(twice)} "
        f"recovered_in={recovered_in:.1f}s"
    )
    assert killed == [-signal.SIGKILL] * KILLS
    assert received_at_kills < RECIPIENTS, "the workers were killed after the send had finished"
    assert leases_left == 0
    assert delivered_events == RECIPIENTS
    assert set(copies) == {f"person{i}@example.com" for i in range(RECIPIENTS)}
    # Each kill re-sends at most one group; a recipient in flight at several kills can
    # be among the re-sent of each of them.
    extra = sum(count - 1 for count in copies.values())
    bound = KILLS * settings.SEND_RECORD_GROUP
    assert extra <= bound, f"more copies than the killed workers' unrecorded groups: {twice}"
    assert max(copies.values()) <= 1 + KILLS
