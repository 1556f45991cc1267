"""Background tasks (Django's Tasks API; no backend is named here).

`deliver` is the one task here: it sends every due recipient (the certificates app has
the search backlog's, conferral.certificates.search_backlog). `sweep_run`, which every
worker loop calls every SWEEP_INTERVAL_SECONDS, hands back the leases of crashed workers
(at once when their heartbeat stopped) and starts `deliver` when due work is waiting
that nobody holds."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError
from django_tasks import task

from conferral.certificates.editing import certificates_scheduled_publish
from conferral.certificates.search_backlog import search_backlog_index
from conferral.delivery.heartbeat import heartbeat_beat
from conferral.delivery.outbox import outbox_next_retry, outbox_release_dead, outbox_sweep
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.reminders import reminders_sweep

logger = logging.getLogger(__name__)

# One deliver task hands over to a fresh one after this long, so a huge send does not
# hold a worker (or hit a backend's job timeout) indefinitely.
DELIVER_TIME_BUDGET = 300.0


def deliver_enqueue(*, run_after: dt.datetime | None = None, count: int = 1) -> None:
    """Start `count` deliver tasks, now or at `run_after`. Never raises: the rows are
    the source of truth, so if the queue is unavailable the sweeper starts the work."""
    try:
        work = deliver
        if run_after is not None:
            if not work.get_backend().supports_defer:
                return  # this backend cannot wait: the sweeper starts it when it is due
            work = work.using(run_after=run_after)
        for _ in range(max(1, count)):
            work.enqueue()
    except Exception:
        logger.exception("Could not enqueue the deliver task; the sweeper will start it")


def _fresh_connection() -> None:
    # A long-lived worker may hold a connection the database has closed; inside a
    # transaction (a task run immediately by a request or a test) it must stay.
    if not connection.in_atomic_block:
        close_old_connections()


@task()
def deliver() -> dict[str, int | bool]:
    _fresh_connection()
    try:
        report = deliver_due(time_budget=DELIVER_TIME_BUDGET)
    except (OperationalError, InterfaceError) as exc:
        # The task backend records the failure quietly once the database is back (a
        # restart takes a second): say it here, where the operator reads the worker.
        logger.error(
            "Database connection lost while sending, retrying once its leases expire: %s", exc
        )
        raise
    if report.timed_out:
        deliver_enqueue()
    elif report.deferred or report.paused:
        retry_at = outbox_next_retry()
        if retry_at is not None:
            deliver_enqueue(run_after=retry_at)
    return report.as_dict()


def sweep_run(*, plan_reminders: bool = True) -> dict[str, int | bool]:
    """Queue the reminders that are due (and plan new ones, if `plan_reminders`), hand
    back expired leases, start `deliver` for due work nobody holds, and publish the
    scheduled certificates whose time has come; then write the search text imports left
    to the backlog (PostgreSQL)."""
    reminders = reminders_sweep(plan=plan_reminders)
    result = outbox_sweep()
    certificates_scheduled_publish()
    if result.released:
        logger.warning("Handed back %s expired send lease(s) of a stopped worker", result.released)
    started = result.due and not result.active
    if started:
        deliver_enqueue()
    if reminders.queued:
        logger.info("Queued %s reminder(s)", reminders.queued)
    indexed = search_backlog_index()
    if indexed:
        logger.info("Wrote the search text of %s imported recipient(s)", indexed)
    return {"released": result.released, "due": result.due, "started": started}


def heartbeat_run(worker_id: str) -> int:
    """One beat of a worker, and a look at the others: the leases of a worker that
    stopped beating are handed back and `deliver` started for them, seconds after it
    died. Returns how many rows were handed back."""
    heartbeat_beat(worker_id)
    released = outbox_release_dead()
    if released:
        logger.warning("Handed back %s send lease(s) of a worker that stopped", released)
        deliver_enqueue()
    return released
