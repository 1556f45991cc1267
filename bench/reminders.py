"""Benchmark: the reminder sweep at N recipients (default 100,000) on one certificate
with reminders, every recipient delivered and a third of them claimed. It times, in the
same run, a reference query (a COUNT(*) of the certificate's recipients) and then:

- a planning sweep (gives up to PLAN_LIMIT recipients their due time), repeated until
  everyone is planned;
- the idle sweep the sweeper runs every cycle while nothing is due (the steady state),
  and the one with planning it runs every 20th cycle;
- the sweeps on the day the reminders come due (each queues up to QUEUE_LIMIT);

and prints each query's plan, to show that they use an index.

    .venv/bin/python bench/reminders.py [--recipients N] [--repeat R]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, unless
CONFERRAL_DATABASE_URL is set."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

from common import CHUNK, new_organization, throwaway_django

INTERVAL_DAYS = 7


def _ms(work: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with throwaway_django("conferral-bench-reminders-"):
        from django.db import connection
        from django.utils import timezone

        from conferral.certificates.models import Certificate, Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add
        from conferral.delivery import reminders

        organization = new_organization()
        certificate = certificate_create(organization=organization, name="Reminded")
        Certificate.objects.filter(pk=certificate.pk).update(
            reminder_interval_days=INTERVAL_DAYS, reminder_limit=2
        )
        rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(args.recipients))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        delivered_at = timezone.now() - dt.timedelta(days=1)
        ids = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            Recipient.objects.filter(pk__in=part).update(
                email_status="delivered", first_sent_at=delivered_at, delivered_at=delivered_at
            )
            Recipient.objects.filter(pk__in=part[::3]).update(claimed_at=delivered_at)
        print(f"{args.recipients:,} recipients, {len(ids[::3]):,} of them claimed")

        def reference() -> int:
            return Recipient.objects.filter(certificate=certificate).count()

        reference_ms = _ms(reference, args.repeat)
        print(f"reference: COUNT(*) of the certificate's recipients  {reference_ms:8.1f} ms")

        now = timezone.now()
        planned = rounds = 0
        started = time.perf_counter()
        while True:
            result = reminders.reminders_sweep(now=now)
            if not result.planned:
                break
            planned += result.planned
            rounds += 1
        plan_ms = (time.perf_counter() - started) * 1000
        print(
            f"planning: {planned:,} due times in {rounds} sweeps     {plan_ms:8.1f} ms "
            f"({plan_ms / max(1, rounds):.1f} ms a sweep)"
        )

        idle_ms = _ms(lambda: reminders.reminders_sweep(now=now, plan=False), args.repeat)
        print(
            f"idle sweep (nothing due), every cycle            {idle_ms:8.1f} ms "
            f"({idle_ms / reference_ms:.1f}x the reference)"
        )
        idle_plan_ms = _ms(lambda: reminders.reminders_sweep(now=now), args.repeat)
        print(
            f"idle sweep with planning, every 20th cycle       {idle_plan_ms:8.1f} ms "
            f"({idle_plan_ms / reference_ms:.1f}x the reference)"
        )

        due = now + dt.timedelta(days=INTERVAL_DAYS)
        queued = rounds = 0
        started = time.perf_counter()
        while True:
            result = reminders.reminders_sweep(now=due, plan=False)
            if not result.queued:
                break
            queued += result.queued
            rounds += 1
        due_ms = (time.perf_counter() - started) * 1000
        print(
            f"due day: {queued:,} reminders queued in {rounds} sweeps {due_ms:8.1f} ms "
            f"({due_ms / max(1, rounds):.1f} ms a sweep)"
        )

        queries = {
            "plan": reminders.plan_candidates(certificate),
            "due": reminders.due_candidates(due),
        }
        explain = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN"
        for name, queryset in queries.items():
            sql, params = queryset.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"{explain} {sql}", params)
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            print(f"plan of the {name} query: {plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
