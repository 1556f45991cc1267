# ruff: noqa: S608 (SQL of constants; every value is a parameter)
"""Benchmark: the reads of a large certificate, 100,000 recipients and 1,000,000 events by
default, in a realistic mix (95 % delivered, 60 % opened, 40 % clicked, 30 % claimed,
shares, downloads, machine opens, bounces), each against a reference measured in the
same run. Server time (Django's test client, no network), the median of R runs after
one warm-up:

- the statistics API, against the certificate detail API;
- the recipient list API searched (a name fragment, an email fragment, a name beyond
  ASCII) and at offset 99,000, and the dashboard's recipients tab searched and at the
  page that shows recipient 99,001, against their first page;
- on PostgreSQL first a name search while the search text of the certificate's
  import is still on the backlog, then the backlog written (timed), as a worker does;
- the dashboard's certificate overview, against the overview of a 50-recipient one;
- what the tallies cost a write: the CPU time of UPDATEs that change a counted column
  (the triggers count them) against UPDATEs of a column they skip, and on PostgreSQL
  two concurrent writers against one.

    .venv/bin/python bench/read.py [--postgres] [--recipients N] [--events N] [--repeat R]
                                   [--search-only] [--keep DIR]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, or with --postgres
a throwaway PostgreSQL server (conferral.testing.servers). The aims: the statistics
under 30 ms, a search or a deep page under 50 ms, the overview under 100 ms.

--search-only times the searches and their references alone. --keep DIR (SQLite) keeps
the database in DIR and, run again, migrates and reuses the certificates it holds
instead of building them (their sizes are then those of the first run)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

from common import (
    certificate_in_every_state,
    new_organization,
    signed_in_client,
    throwaway_django,
)

FIRST = ["Anna", "Jörg", "Zoë", "Søren", "José", "Łukasz", "Ольга", "Γιώργος", "Mei", "Tom"]
LAST = ["Müller", "Øberg", "Straße", "García", "Nguyễn", "Иванова", "Smith", "O'Brien", "李"]
CHUNK = 50_000
SEARCHES = [("name", "jörg mül"), ("email", "son4242@"), ("beyond ASCII", "øBERG 1")]


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[None]:
    if not postgres:
        yield
        return
    from conferral.testing.servers import postgres_server

    with postgres_server() as server:
        os.environ["CONFERRAL_DATABASE_URL"] = server.url
        yield


def recipients_fill(certificate: Any, count: int) -> list[int]:
    """`count` recipients (1 % without an address) through the import's own insert,
    then the states of the mix in one UPDATE per chunk: a recipient's bucket
    (pk * 7919 % 100) says how far it got."""
    from django.db import connection
    from django.utils import timezone

    from conferral.certificates.models import Recipient
    from conferral.certificates.services import RawRow, recipients_add

    def rows() -> Iterator[RawRow]:
        for i in range(count):
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]} {i}"
            yield RawRow(i, name, "" if i % 100 == 99 else f"person{i}@example{i % 7}.org")

    recipients_add(certificate=certificate, rows=rows(), keep=False)
    ids = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
    sent = timezone.now() - dt.timedelta(days=3)
    bucket = "(id * 7919 %% 100)"  # %% : the statement has parameters

    def when(condition: str) -> str:
        return f"CASE WHEN {condition} THEN %(at)s END"

    shared = "::jsonb" if connection.vendor == "postgresql" else ""
    sql = f"""
        UPDATE certificates_recipient SET
            email_status = CASE
                WHEN email = '' THEN 'not_provided'
                WHEN {bucket} < 40 THEN 'clicked'
                WHEN {bucket} < 60 THEN 'opened'
                WHEN {bucket} = 93 THEN 'complained'
                WHEN {bucket} < 95 THEN 'delivered'
                ELSE 'bounced' END,
            bounce_kind = CASE WHEN email <> '' AND {bucket} >= 95 THEN 'hard' ELSE '' END,
            sends = CASE WHEN email = '' THEN 0 ELSE 1 END,
            first_sent_at = {when("email <> ''")},
            delivered_at = {when(f"email <> '' AND {bucket} < 95")},
            bounced_at = {when(f"email <> '' AND {bucket} >= 95")},
            opened_at = {when(f"email <> '' AND {bucket} < 60")},
            clicked_at = {when(f"email <> '' AND {bucket} < 40")},
            machine_opened_at = {when(f"email <> '' AND {bucket} BETWEEN 50 AND 79")},
            claimed_at = {when(f"email <> '' AND {bucket} < 30")},
            claim_channel = CASE WHEN email <> '' AND {bucket} < 30 THEN 'email' ELSE '' END,
            viewed_at = {when(f"email <> '' AND {bucket} < 35")},
            downloaded_at = {when(f"email <> '' AND {bucket} < 20")},
            linkedin_added_at = {when(f"email <> '' AND {bucket} < 10")},
            shared = CASE
                WHEN email = '' OR {bucket} >= 15 THEN '[]'{shared}
                WHEN {bucket} < 5 THEN '["linkedin", "x", "facebook"]'{shared}
                WHEN {bucket} < 8 THEN '["linkedin", "x"]'{shared}
                ELSE '["linkedin"]'{shared} END
        WHERE id BETWEEN %(low)s AND %(high)s
    """
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            cursor.execute(sql, {"at": sent, "low": part[0], "high": part[-1]})
    return ids


def events_fill(certificate: Any, count: int) -> int:
    """About `count` events, each kind for the recipients whose state implies it (the
    first pass writes each message's life, later ones repeat the opens, views and
    verifications of readers coming back): rows of the real Event columns and detail
    JSON (conferral.certificates.events builds them), copied in by INSERT … SELECT over
    the recipient rows, which takes seconds where a million executemany rows take
    minutes."""
    from django.db import connection
    from django.utils import timezone

    from conferral.certificates import event_details as d
    from conferral.certificates.events import NewEvent
    from conferral.certificates.models import Event
    from conferral.certificates.statements import event_insert_head

    addressed = "email <> ''"
    kinds: list[tuple[str, d.EventDetail]] = [
        (addressed, d.EmailQueued()),
        (addressed, d.EmailSent(message_id="<bench@conferral>", transport="smtp")),
        ("delivered_at IS NOT NULL", d.EmailDelivered(reply="250 2.0.0 OK")),
        (
            "bounced_at IS NOT NULL",
            d.EmailBounced(reply="550 5.1.1 No such user", code=550, kind="hard"),
        ),
        ("opened_at IS NOT NULL", d.EmailOpened()),
        ("clicked_at IS NOT NULL", d.EmailClicked()),
        ("machine_opened_at IS NOT NULL", d.EmailOpened(machine_reason="apple_mpp")),
        ("claimed_at IS NOT NULL", d.CredentialClaimed()),
        ("claimed_at IS NOT NULL", d.CredentialViewed()),
        ("downloaded_at IS NOT NULL", d.CredentialDownloaded(format="pdf")),
        ("claimed_at IS NOT NULL", d.CredentialVerified()),
    ]
    again = [kind for kind in kinds if isinstance(kind[1], d.MachineVerdict)]
    at = timezone.now() - dt.timedelta(days=3)
    written, plan = 0, kinds
    with connection.cursor() as cursor:
        while written < count:
            for condition, detail in plan:
                left = count - written
                if left <= 0:
                    break
                values = NewEvent(recipient_id=0, certificate_id=0, detail=detail, at=at).values()
                marks = ", ".join(["%s"] * len(values))
                cursor.execute(
                    f"{event_insert_head()}SELECT id, certificate_id, {marks} "
                    f"FROM certificates_recipient WHERE certificate_id = %s AND {condition} "
                    "ORDER BY id LIMIT %s",
                    [*values, certificate.pk, left],
                )
                written += cursor.rowcount
                at += dt.timedelta(minutes=7)
            plan = again
    return Event.objects.filter(certificate=certificate).count()


def api_client(organization: Any) -> Any:
    from django.test import Client

    from conferral.accounts.services import apikey_create

    key = apikey_create(organization=organization)
    return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key}")


def median_get_ms(get: Any, url: str, repeat: int, **query: str) -> float:
    """The median of `repeat` GETs after one warm-up, in milliseconds: on SQLite the CPU
    time of this process, which does all of the work (fairer than wall time on a machine
    shared with other runs); on PostgreSQL wall time, the server's work included."""
    from django.db import connection

    clock = time.perf_counter if connection.vendor == "postgresql" else time.process_time
    assert get(url, query).status_code == 200
    samples = []
    for _ in range(repeat):
        started = clock()
        response = get(url, query)
        samples.append((clock() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def line(label: str, figure: float, reference: float, aim: float | None = None) -> None:
    verdict = "" if aim is None else f"  aim < {aim:.0f} ms: {'met' if figure < aim else 'missed'}"
    ratio = figure / reference
    print(f"{label:46} {figure:8.1f} ms  ref {reference:7.1f} ms  {ratio:5.1f} x{verdict}")


def cpu_ms(work: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def backlog_write(api: Any, listing: str, repeat: int) -> float | None:
    """PostgreSQL: the milliseconds of a name search while the import's search text is
    still on the backlog (its rows read themselves), then the backlog written as a
    worker writes it once an import commits, timed; None if nothing was pending."""
    from conferral.certificates.models import SearchBacklog
    from conferral.certificates.search_backlog import search_backlog_index

    if not SearchBacklog.objects.exists():
        return None
    pending = median_get_ms(api.get, listing, repeat, q=SEARCHES[0][1])
    started = time.perf_counter()
    written = search_backlog_index()
    took = time.perf_counter() - started
    print(f"search text of {written:,} recipients written from the backlog in {took:.2f} s")
    return pending


def write_costs(certificate: Any, ids: list[int], repeat: int) -> None:
    """What the tally triggers cost a write, against the same write of a column they
    do not count (SQLite's WHEN skips it; PostgreSQL's statement trigger nets it to
    nothing). CPU time of this process: SQLite runs in it; for PostgreSQL, wall time."""
    from django.db import connection, transaction

    from conferral.certificates.models import Recipient

    postgres = connection.vendor == "postgresql"
    clock = time.perf_counter if postgres else time.process_time
    unit = "wall" if postgres else "CPU"
    rows = ids[:10_000]

    def bulk(counted: bool) -> float:
        started = clock()
        with transaction.atomic():
            column = "machine_opened_at" if counted else "reminder_due_at"
            Recipient.objects.filter(pk__in=rows).update(**{column: None})
            Recipient.objects.filter(pk__in=rows).update(
                **{column: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
            )
            transaction.set_rollback(True)
        return (clock() - started) * 1000 / (2 * len(rows)) * 1000

    counted = statistics.median(bulk(True) for _ in range(repeat))
    skipped = statistics.median(bulk(False) for _ in range(repeat))
    print(
        f"{'bulk UPDATE of a counted column, per row':46} {counted:8.2f} µs  "
        f"ref {skipped:7.2f} µs  {counted / skipped:5.1f} x ({unit}; ref: a column not counted)"
    )

    def single(counted: bool, pks: list[int]) -> None:
        column = "machine_opened_at" if counted else "reminder_due_at"
        for pk in pks:
            with transaction.atomic():
                Recipient.objects.filter(pk=pk).update(**{column: None})

    started = clock()
    single(True, rows[:1000])
    one_counted = (clock() - started) * 1000
    started = clock()
    single(False, rows[1000:2000])
    one_skipped = (clock() - started) * 1000
    print(
        f"{'1,000 one-row UPDATE transactions':46} {one_counted:8.1f} ms  "
        f"ref {one_skipped:7.1f} ms  {one_counted / one_skipped:5.1f} x ({unit})"
    )
    if postgres:
        two_writers(rows)


def two_writers(rows: list[int]) -> None:
    """Two connections sending to one certificate at once (a transaction per recipient,
    each moving a counted column), against one connection doing both halves."""
    from django.db import connection, transaction

    from conferral.certificates.models import Recipient

    def send(pks: list[int], value: Any) -> None:
        for pk in pks:
            with transaction.atomic():
                Recipient.objects.filter(pk=pk).update(delivered_at=None, machine_opened_at=value)
        connection.close()

    half = 1000
    first, second = rows[2000 : 2000 + half], rows[2000 + half : 2000 + 2 * half]
    now = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    send(first + second, None)
    alone = (time.perf_counter() - started) * 1000
    threads = [
        threading.Thread(target=send, args=(first, now)),
        threading.Thread(target=send, args=(second, now)),
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = (time.perf_counter() - started) * 1000
    print(
        f"{'2 writers, 1,000 one-row transactions each':46} {together:8.1f} ms  "
        f"ref {alone:7.1f} ms  {together / alone:5.1f} x (ref: one writer doing both)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--search-only", action="store_true", help="time the searches alone")
    parser.add_argument("--keep", metavar="DIR", help="SQLite: keep the database in DIR, reuse it")
    args = parser.parse_args()
    if args.keep:
        if args.postgres:
            parser.error("--keep keeps a SQLite database")
        os.environ["CONFERRAL_DATA_DIR"] = args.keep
    with database(args.postgres), throwaway_django("conferral-bench-read-"):
        from django.db import connection

        from conferral.certificates.models import Certificate, Event, Recipient
        from conferral.certificates.services import certificate_create

        kept = Certificate.objects.filter(name__in=["Reference", "Large"]).order_by("name")
        if args.keep and kept.count() == 2:
            big, small = kept
            organization = big.organization
            ids = list(Recipient.objects.filter(certificate=big).values_list("pk", flat=True))
            events = Event.objects.filter(certificate=big).count()
            print(f"reused the database in {args.keep}")
        else:
            organization = new_organization()
            small = certificate_in_every_state(organization, "Reference", 50)
            big = certificate_create(organization=organization, name="Large")
            started = time.perf_counter()
            ids = recipients_fill(big, args.recipients)
            made_recipients = time.perf_counter() - started
            events = events_fill(big, args.events)
            made = time.perf_counter() - started
            print(
                f"generated in {made:.0f} s (recipients and their states {made_recipients:.0f} s)"
            )
        api = api_client(organization)
        dashboard = signed_in_client(organization)
        r = args.repeat
        cert_url = f"/api/v1/certificates/{big.public_id}"
        listing = cert_url + "/recipients"
        pending = None
        if connection.vendor == "postgresql":
            pending = backlog_write(api, listing, r)
            # What autovacuum does soon after a bulk load: statistics for the planner,
            # and the visibility map that lets a deep page skip index entries only.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        clock = "wall" if connection.vendor == "postgresql" else "CPU"
        print(f"database: {connection.vendor}; {len(ids):,} recipients, {events:,} events")
        print(f"server time of each request, {clock} time, median of {args.repeat}")

        if not args.search_only:
            detail = median_get_ms(api.get, cert_url, r)
            stats = median_get_ms(api.get, cert_url + "/statistics", r)
            line("statistics API", stats, detail, 30)

        first = median_get_ms(api.get, listing, r)
        print(f"{'reference: recipient list API, first page':46} {first:8.1f} ms")
        if pending is not None:
            line("recipient list API, q= name, backlog pending", pending, first, 50)
        offset = str(min(99_000, max(0, len(ids) - 100)))
        for label, q in SEARCHES:
            figure = median_get_ms(api.get, listing, r, q=q)
            line(f"recipient list API, q= {label}", figure, first, 50)
        if not args.search_only:
            line(
                f"recipient list API, offset {int(offset):,}",
                median_get_ms(api.get, listing, r, offset=offset),
                first,
                50,
            )

        tab = f"/certificates/{big.public_id}/recipients/"
        tab_first = median_get_ms(dashboard.get, tab, r)
        print(f"{'reference: recipients tab, first page':46} {tab_first:8.1f} ms")
        if not args.search_only:
            page = str(int(offset) // 50 + 1)
            deep = median_get_ms(dashboard.get, tab, r, page=page)
            line(f"recipients tab, page {page}", deep, tab_first)
        found = median_get_ms(dashboard.get, tab, r, q="øberg")
        line("recipients tab, q= beyond ASCII", found, tab_first)
        if args.search_only:
            return 0

        small_overview = median_get_ms(dashboard.get, f"/certificates/{small.public_id}/", r)
        overview = median_get_ms(dashboard.get, f"/certificates/{big.public_id}/", r)
        line("dashboard certificate overview", overview, small_overview, 100)
        write_costs(big, ids, max(3, r // 5))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
