"""`conferral worker`: the configured Tasks backend's worker plus the sweeper and heartbeat
threads, and the periodic jobs of the apps above (the bounce mailbox poller) beside them.

Any number of these may run, on any number of machines: work is claimed row by row with
conditional UPDATEs, and every sweeper's hand-back of expired leases is idempotent."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from conferral.delivery.email_url import email_config
from conferral.delivery.heartbeat import BEAT_SECONDS, heartbeat_end
from conferral.delivery.pipeline import worker_identity
from conferral.delivery.tasks import heartbeat_run, sweep_run

logger = logging.getLogger(__name__)

DB_WORKER_INTERVAL = 0.5
SWEEPER_JOIN_SECONDS = 5.0
# Planning reminders reads every delivered recipient of the certificates with reminders:
# every 20th cycle (5 minutes at the default interval) and at start, not every cycle.
REMINDER_PLAN_CYCLES = 20
WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)

# A periodic job of another app: runs until its stop event is set (once, when it is set
# already: a burst worker runs each once before it works off the queue).
Companion = Callable[[threading.Event], None]
_companions: list[Companion] = []


def worker_companion_add(companion: Companion) -> None:
    """Have every worker run `companion` beside the work, in a thread of its own (the
    apps above delivery register theirs when Django starts, in their AppConfig)."""
    if companion not in _companions:
        _companions.append(companion)


def _sweep_once(*, plan_reminders: bool = True) -> None:
    try:
        sweep_run(plan_reminders=plan_reminders)
    except Exception:
        logger.exception("The sweeper failed; it will try again")
    finally:
        connection.close()


def _sweeper(stop: threading.Event) -> None:
    cycle = 0
    while not stop.wait(settings.SWEEP_INTERVAL_SECONDS):
        cycle += 1
        _sweep_once(plan_reminders=cycle % REMINDER_PLAN_CYCLES == 0)


def _heartbeat(stop: threading.Event, worker_id: str) -> None:
    """Beat (and recover the leases of dead workers) until stopped; a missed beat (the
    database away for a moment) is logged, and the next one tries again."""
    while True:
        try:
            heartbeat_run(worker_id)
        except Exception:
            logger.exception("The worker's heartbeat failed; it will try again")
        finally:
            connection.close()
        if stop.wait(BEAT_SECONDS):
            break
    try:
        heartbeat_end(worker_id)
    finally:
        connection.close()


def backend_path() -> str:
    return str(settings.TASKS["default"]["BACKEND"])


def run_worker(*, burst: bool = False, verbosity: int = 1) -> None:
    """Run the worker in this (main) thread and the sweeper beside it. `burst`: work off
    what is queued, then return. `verbosity` 0 logs only warnings and errors."""
    _sweep_once()  # a restarted worker hands back its predecessor's leases at once
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_heartbeat, args=(stop, worker_identity()), name="conferral-heartbeat", daemon=True
    )
    heartbeat.start()
    sweeper = threading.Thread(target=_sweeper, args=(stop,), name="conferral-sweeper", daemon=True)
    sweeper.start()
    for companion in _companions:
        if burst:
            done = threading.Event()
            done.set()
            companion(done)
        else:
            threading.Thread(target=companion, args=(stop,), daemon=True).start()
    backend = backend_path()
    logger.info(
        "Worker started: tasks from %s, email through %s", backend, email_config().describe()
    )
    handlers = {number: signal.getsignal(number) for number in WORKER_SIGNALS}
    try:
        if backend.startswith("django_tasks_rq."):
            # SimpleWorker runs each job in this process: forking a horse per job from a
            # process that also runs the sweeper thread is unsafe, and a killed worker
            # must take its job with it.
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.Job",
                worker_class="rq.worker.SimpleWorker",
                with_scheduler=True,
                burst=burst,
                verbosity=verbosity,
            )
        elif backend.startswith("django_tasks_db."):
            call_command(
                "db_worker",
                queue_name="*",
                batch=burst,
                reload=False,
                startup_delay=not burst,
                interval=DB_WORKER_INTERVAL,
                verbosity=verbosity,
            )
        elif not burst:
            # Tasks run where they are enqueued (the immediate backend): only sweep.
            stop.wait()
    finally:
        stop.set()
        sweeper.join(SWEEPER_JOIN_SECONDS)
        heartbeat.join(SWEEPER_JOIN_SECONDS)
        for number, handler in handlers.items():
            signal.signal(number, handler)  # the backends' workers install their own
