"""Worker heartbeats. Every `conferral worker` process beats every BEAT_SECONDS (a row
per worker id, conferral.delivery.pipeline.worker_identity); a worker silent for
STALE_AFTER_SECONDS is dead, and the sweeper hands its leases back at once instead of
waiting for them to run out. A live but slow worker keeps beating from its own thread,
so its leases are still renewed, never taken (conferral.delivery.outbox)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from conferral.delivery.models import WorkerHeartbeat

BEAT_SECONDS = 2.0
STALE_AFTER_SECONDS = 3 * BEAT_SECONDS


def heartbeat_beat(worker_id: str, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now):
        WorkerHeartbeat.objects.get_or_create(worker_id=worker_id, defaults={"beat_at": now})


def heartbeat_end(worker_id: str) -> None:
    """A worker stopping cleanly: nothing of it is left to recover."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def heartbeats_stale(*, now: dt.datetime | None = None) -> list[str]:
    """The ids of the workers that stopped beating, forgotten as they are returned (the
    caller hands their leases back)."""
    now = now or timezone.now()
    stale = WorkerHeartbeat.objects.filter(
        beat_at__lt=now - dt.timedelta(seconds=STALE_AFTER_SECONDS)
    )
    with transaction.atomic():
        ids = list(stale.values_list("worker_id", flat=True))
        WorkerHeartbeat.objects.filter(worker_id__in=ids).delete()
    return ids
