"""Benchmark: pruning N events (default 1,000,000) past their retention on SQLite with
`events_prune`, against a reference measured in the same run on the same rows: one bare
`DELETE … WHERE at < cutoff`. Beside each, a writer records a send every few
milliseconds (a recipient row updated and an event written in one transaction, as the
sender records a message); its longest wait is how long a send running alongside
stalls. The pruning runs twice: as the workers run it, and without the pauses it
leaves between two batches for waiting writers (its own cost, for the ratio).

    .venv/bin/python bench/prune.py [--events N] [--young M] [--batch IDS]

The aim: the pruning costs at most a few times the bare DELETE, and never stalls the
writer for more than a fraction of a second, where the bare DELETE holds it for its
whole run (see bench/common.py for the database)."""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time

from common import new_organization, throwaway_django

RECIPIENTS = 1_000
FILL_BATCH = 10_000
WRITER_PAUSE = 0.002  # between two of the writer's transactions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--young", type=int, default=50_000, help="events kept")
    parser.add_argument("--batch", type=int, default=0, help="ids per DELETE (0: the service's)")
    args = parser.parse_args()
    with throwaway_django("conferral-bench-prune-"):
        from django.conf import settings
        from django.db import connection, transaction
        from django.db.models import F
        from django.utils import timezone

        from conferral.certificates.event_details import CredentialViewed, EmailOpened
        from conferral.certificates.events import event_record, events_insert
        from conferral.certificates.models import Event, Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add
        from conferral.tracking import retention
        from conferral.tracking.retention import events_prune

        assert connection.vendor == "sqlite", "this benchmark measures SQLite's write lock"
        retention.EVENT_PRUNE_BATCH = args.batch or retention.EVENT_PRUNE_BATCH
        organization = new_organization()
        certificate = certificate_create(organization=organization, name="Prune")
        rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(RECIPIENTS))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        ids = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
        now = timezone.now()
        days = int(settings.EVENT_RETENTION_DAYS)
        cutoff = now - dt.timedelta(days=days)
        kinds = [CredentialViewed(), EmailOpened()]

        def fill(count: int, start: dt.datetime) -> None:
            """`count` events from `start` on, a second apart, spread over the recipients."""
            for first in range(0, count, FILL_BATCH):
                size = min(FILL_BATCH, count - first)
                with transaction.atomic():
                    for offset in range(0, size, RECIPIENTS):
                        part = min(RECIPIENTS, size - offset)
                        events_insert(
                            recipient_ids=ids[:part],
                            certificate_id=certificate.pk,
                            detail=[kinds[n % len(kinds)] for n in range(part)],
                            at=start + dt.timedelta(seconds=first + offset),
                        )

        def old_and_young() -> None:
            fill(args.events, cutoff - dt.timedelta(days=30))
            fill(args.young, now - dt.timedelta(days=1))

        def alongside(work: object) -> tuple[float, float, int]:
            """Run `work` while a writer records sends; its time, and the writer's
            longest wait and number of transactions."""
            stop = threading.Event()
            waits: list[float] = []

            def writer() -> None:
                number = 0
                while not stop.is_set():
                    pk = ids[number % len(ids)]
                    started = time.perf_counter()
                    with transaction.atomic():
                        Recipient.objects.filter(pk=pk).update(sends=F("sends") + 1)
                        event_record(
                            recipient=Recipient(pk=pk, certificate_id=certificate.pk),
                            detail=CredentialViewed(),
                        )
                    waits.append(time.perf_counter() - started)
                    number += 1
                    time.sleep(WRITER_PAUSE)
                connection.close()

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(0.5)
            started = time.perf_counter()
            work()  # type: ignore[operator]
            elapsed = time.perf_counter() - started
            stop.set()
            thread.join()
            return elapsed, max(waits), len(waits)

        def refill() -> None:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM certificates_event")
            old_and_young()

        def bare() -> None:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM certificates_event WHERE at < %s", [cutoff])

        print(f"events past retention:           {args.events:,} (and {args.young:,} kept)")
        print(f"ids per DELETE:                  {retention.EVENT_PRUNE_BATCH:,}")
        old_and_young()
        idle = alongside(lambda: time.sleep(3))
        old_count = Event.objects.filter(at__lt=cutoff).count()
        pruned = alongside(lambda: events_prune(now=now))
        assert not Event.objects.filter(at__lt=cutoff).exists()
        assert Event.objects.filter(at__gte=now - dt.timedelta(days=2)).count() >= args.young
        refill()
        retention.EVENT_PRUNE_PAUSE_SECONDS = 0
        unpaused = alongside(lambda: events_prune(now=now))
        refill()
        reference = alongside(bare)
        print(f"removed:                         {old_count:,}")
        print(f"bare DELETE (reference):         {reference[0]:.1f} s")
        print(
            f"events_prune without its pauses: {unpaused[0]:.1f} s "
            f"({old_count / unpaused[0]:,.0f} events/s)"
        )
        print(f"events_prune:                    {pruned[0]:.1f} s (the pauses included)")
        print(
            f"ratio of events_prune without pauses to the bare DELETE: "
            f"{unpaused[0] / reference[0]:.2f} x"
        )
        for label, run in (
            ("idle", idle),
            ("events_prune", pruned),
            ("events_prune without its pauses", unpaused),
            ("bare DELETE", reference),
        ):
            print(
                f"writer's longest wait, {label}: {run[1] * 1000:.0f} ms "
                f"({run[2]:,} sends recorded in {run[0]:.1f} s)"
            )
        verdict = "met" if pruned[1] < 0.5 else "missed"
        print(f"aim: a send alongside never waits half a second ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
