"""`conferral worker`: the configured Tasks backend's worker plus the sweeper and heartbeat
threads, and the periodic jobs of the apps above (the bounce mailbox poller) beside them.

Any number of these may run, on any number of machines: work is claimed row by row with
conditional UPDATEs, and every sweeper's hand-back of expired leases is idempotent."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from rq.worker import SimpleWorker

from conferral.core.warm import warm_up
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
# A worker whose database or Redis went away waits this long before it tries again,
# doubling up to the maximum while the outage lasts.
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0

SignalHandler = Callable[[int, FrameType | None], Any] | int | None

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
    except (OperationalError, InterfaceError) as exc:
        logger.error("Database connection lost, retrying at the next sweep: %s", exc)
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
        except (OperationalError, InterfaceError) as exc:
            logger.error("Database connection lost, retrying at the next beat: %s", exc)
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


# Set when rq's worker is asked to stop: the outage loop must then not start it again.
_rq_stop_requested = threading.Event()


class RqWorker(SimpleWorker):
    """rq's SimpleWorker, retrying a lost Redis no less often than every
    RETRY_MAX_SECONDS (rq's own wait grows to a minute, long after Redis is back), and
    remembering a stop request for _work_through_outages."""

    max_connection_wait_time = RETRY_MAX_SECONDS

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        _rq_stop_requested.set()
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]


def _work(backend: str, *, burst: bool, verbosity: int, stop: threading.Event) -> None:
    if backend.startswith("django_tasks_rq."):
        # SimpleWorker runs each job in this process: forking a horse per job from a
        # process that also runs the sweeper thread is unsafe, and a killed worker
        # must take its job with it.
        call_command(
            "rqworker",
            "default",
            job_class="django_tasks_rq.Job",
            worker_class="conferral.delivery.worker.RqWorker",
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


def _redis_unreachable(wait: float, reason: object = "") -> None:
    where = urlsplit(settings.REDIS_URL)  # host and port only: the URL may hold a password
    logger.error(
        "Redis is unreachable at %s:%s, retrying in %.1fs %s",
        where.hostname,
        where.port,
        wait,
        reason,
    )


def _redis_reachable() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.exceptions.RedisError:
        return False


def _work_through_outages(
    backend: str,
    *,
    burst: bool,
    verbosity: int,
    stop: threading.Event,
    handlers: dict[signal.Signals, SignalHandler],
) -> None:
    """Run the backend's worker, and run it again when the database or Redis went away
    under it: the outage is logged and retried with a growing wait, instead of the
    worker crashing (and crash-looping under a supervisor) or stopping without a word.
    rq's worker ends quietly (or exits) when Redis goes away, so its ending is an outage
    whenever Redis is out of reach afterwards."""
    rq = backend.startswith("django_tasks_rq.") and not burst
    wait = RETRY_FIRST_SECONDS
    while True:
        started = time.monotonic()
        try:
            _work(backend, burst=burst, verbosity=verbosity, stop=stop)
            if not rq or _rq_stop_requested.is_set() or _redis_reachable():
                return
            _redis_unreachable(wait)
        except SystemExit as exc:
            stopped = exc.code in (0, None) or not rq or _rq_stop_requested.is_set()
            if stopped or _redis_reachable():
                raise
            _redis_unreachable(wait)
        except (OperationalError, InterfaceError) as exc:
            logger.error("Database connection lost, retrying in %.1fs: %s", wait, exc)
            connection.close()
        except redis.exceptions.ConnectionError as exc:
            _redis_unreachable(wait, exc)
        if time.monotonic() - started > RETRY_MAX_SECONDS:
            wait = RETRY_FIRST_SECONDS  # it had been working: a new outage starts over
        for number, handler in handlers.items():
            signal.signal(number, handler)  # a stop asked for while waiting is not lost
        time.sleep(wait)
        wait = min(wait * 2, RETRY_MAX_SECONDS)


def run_worker(*, burst: bool = False, verbosity: int = 1) -> None:
    """Run the worker in this (main) thread and the sweeper beside it. `burst`: work off
    what is queued, then return. `verbosity` 0 logs only warnings and errors."""
    warm_up()
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
        _work_through_outages(
            backend, burst=burst, verbosity=verbosity, stop=stop, handlers=handlers
        )
    finally:
        stop.set()
        sweeper.join(SWEEPER_JOIN_SECONDS)
        heartbeat.join(SWEEPER_JOIN_SECONDS)
        for number, handler in handlers.items():
            signal.signal(number, handler)  # the backends' workers install their own
