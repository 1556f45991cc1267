"""The webhook task and the worker's retrier. `webhooks_deliver` sends what is due; the
subscriber enqueues one per event batch. `webhook_retrier`, a companion of every
worker (conferral.delivery.worker), sends the retries as they come due and whatever
a lost task left behind: the rows are the source of truth, not the queue."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError
from django_tasks import task

from conferral.webhooks.sending import deliveries_send_due

logger = logging.getLogger(__name__)

TASK_TIME_BUDGET = 120.0
RETRIER_SECONDS = 10.0


def deliveries_enqueue() -> None:
    """Start a webhooks_deliver task. Never raises: if the queue is unavailable, the
    retrier sends the deliveries."""
    try:
        webhooks_deliver.enqueue()
    except Exception:
        logger.exception("Could not enqueue the webhook task; the retrier will send")


@task()
def webhooks_deliver() -> dict[str, int | bool]:
    if not connection.in_atomic_block:
        close_old_connections()
    report = deliveries_send_due(time_budget=TASK_TIME_BUDGET)
    if report.timed_out:
        deliveries_enqueue()
    return report.as_dict()


def webhook_retrier(stop: threading.Event) -> None:
    """Send what is due now, then every RETRIER_SECONDS until `stop`."""
    while True:
        try:
            deliveries_send_due(time_budget=TASK_TIME_BUDGET)
        except (OperationalError, InterfaceError) as exc:
            logger.error("Database connection lost, sending webhooks again shortly: %s", exc)
        except Exception:
            logger.exception("Sending webhooks failed; trying again shortly")
        finally:
            connection.close()
        if stop.wait(RETRIER_SECONDS):
            return
