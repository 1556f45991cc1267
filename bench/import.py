"""Benchmark: import a generated CSV of N recipients (default 100,000) through the code
`conferral import` runs, into a fresh database, and print rows/s, seconds, CPU seconds
and peak RSS; then the dashboard's preview and confirmation of the same file, into a
second certificate.

    .venv/bin/python bench/import.py [--rows N] [--postgres] [--keep]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, or with --postgres
a throwaway PostgreSQL server (conferral.testing.servers). The machine may be busy with
other work, so the run also measures a reference on the same database: the same file
parsed with the csv module and written into a bare table of its four columns (one
executemany on SQLite, COPY on PostgreSQL), and prints the import's time as a multiple
of it. On PostgreSQL it also prints the CPU seconds of the server process that served
the work (on this machine: the throwaway server's, read from /proc), and the CPU of both
processes as a multiple of the reference's, and how long writing the search text the
import left to the backlog then takes (what a worker does once the import commits).
The aim is under 3 s for 100,000 rows, on both databases."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

AIM_SECONDS = 3.0
FIRST_NAMES = [
    "Jürgen",
    "Åsa",
    "Zoë",
    "Σωκράτης",
    "Анна",
    "王",
    "ليلى",
    "Priya",
    "Mateo",
    "Søren",
    "Łucja",
    "Nguyễn",
]
LAST_NAMES = [
    "Müller-Łukasz",
    "Øberg",
    "Ñúñez",
    "Παπαδόπουλος",
    "Иванова",
    "小明",
    "حداد",
    "Raman",
    "García",
    "Kierkegaard",
    "Wiśniewska",
    "Thị Minh",
]
COURSES = ["Python Fundamentals", "Datenanalyse mit pandas", "Sécurité web", "機械学習入門"]


def generate(path: Path, rows: int) -> None:
    """Write the CSV a row at a time: name, email and two attribute columns."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Name", "E-Mail", "Course", "Grade"])
        for i in range(rows):
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
            writer.writerow(
                [
                    f"{first} {last} {i}",
                    f"person{i}@example.com",
                    COURSES[i % len(COURSES)],
                    f"{1 + i % 4},{i % 10}",
                ]
            )


@contextlib.contextmanager
def database(postgres: bool) -> Iterator[None]:
    if not postgres:
        yield
        return
    from conferral.testing.servers import postgres_server

    with postgres_server() as server:
        os.environ["CONFERRAL_DATABASE_URL"] = server.url
        yield


def reference_load(path: Path) -> int:
    """The floor: the file parsed by the csv module and written into a bare table, in
    one transaction, as plainly as the database allows."""
    from django.db import connection, transaction

    with path.open(encoding="utf-8", newline="") as source, transaction.atomic():
        records = csv.reader(source)
        next(records)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE reference (name text, email text, course text, grade text)"
            )
            counted = Counted(records)
            if connection.vendor == "postgresql":
                with cursor.copy("COPY reference FROM STDIN") as copy:
                    for record in counted:
                        copy.write_row(record)
            else:
                # sqlite3 takes any iterable (the file is streamed); the stubs ask a Sequence.
                sql = "INSERT INTO reference VALUES (%s, %s, %s, %s)"
                cursor.executemany(sql, counted)  # type: ignore[arg-type]
            cursor.execute("DROP TABLE reference")
    return counted.count


class Counted:
    """The rows of an iterator, counted as they are read (the file is streamed, so the
    peak RSS is the import's)."""

    def __init__(self, rows: Iterator[list[str]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[str]]:
        for row in self.rows:
            self.count += 1
            yield row


def timed(work: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """What `work` returns, with its wall-clock and CPU seconds (this process), and the
    CPU seconds of the PostgreSQL server process of this connection (0 on SQLite,
    whose work is this process's own)."""
    backend = backend_pid()
    server_started = server_cpu(backend)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return result, wall, cpu, server_cpu(backend) - server_started


def backend_pid() -> int | None:
    """The pid of the PostgreSQL server process serving this connection, or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def server_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a server process on this machine (Linux), 0 for None."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dashboard_import(certificate: Any, path: Path) -> tuple[int, int]:
    """Upload, preview and confirm the file as the dashboard does: the rows the preview
    would add and the rows the confirmation added."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from conferral.certificates.staging import staged_import, staged_preview, upload_stage

    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    name = upload_stage(upload, certificate=certificate)
    preview = staged_preview(certificate=certificate, name=name)
    assert preview.ok, preview.problems[:3]
    return preview.rows, staged_import(certificate=certificate, name=name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="conferral-bench-import-"))
    os.environ.setdefault("CONFERRAL_DATA_DIR", str(workdir / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        with database(args.postgres):
            return run(args.rows, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(rows: int, workdir: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from conferral.accounts.services import organization_get_or_create
    from conferral.certificates.importing import recipients_import_path
    from conferral.certificates.search_backlog import search_backlog_index
    from conferral.certificates.services import certificate_create

    call_command("migrate", interactive=False, verbosity=0)
    csv_path = workdir / "recipients.csv"
    generate(csv_path, rows)
    organization = organization_get_or_create(name=f"Benchmark {time.time_ns()}")
    certificate = certificate_create(organization=organization, name="Import benchmark")
    dashboard = certificate_create(organization=organization, name="Dashboard benchmark")

    loaded, ref_seconds, ref_cpu, ref_server = timed(lambda: reference_load(csv_path))
    added, seconds, cpu, server = timed(
        lambda: recipients_import_path(certificate=certificate, path=csv_path)
    )
    import_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # PostgreSQL: the search text the import left to the backlog, as a worker writes it
    # once the import commits (0 rows on SQLite, whose import wrote it).
    indexed, index_seconds, _index_cpu, index_server = timed(search_backlog_index)
    (previewed, confirmed), dash_seconds, dash_cpu, dash_server = timed(
        lambda: dashboard_import(dashboard, csv_path)
    )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert loaded == added == previewed == confirmed == rows, (loaded, added, previewed, rows)
    search_backlog_index()  # the dashboard's rows: not timed

    print(f"database:     {connection.vendor}")
    print(f"rows:         {rows} ({csv_path.stat().st_size / 1_048_576:.1f} MiB of CSV)")
    postgres = connection.vendor == "postgresql"
    server_heads = f"{'server s':>10}{'all CPU x ref':>15}" if postgres else ""
    print(
        f"{'':14}{'seconds':>9}{'CPU s':>8}{'rows/s':>10}{'x ref':>8}{'CPU x ref':>11}"
        + server_heads
    )
    for label, wall, cpu_s, server_s in (
        ("reference", ref_seconds, ref_cpu, ref_server),
        ("import", seconds, cpu, server),
        ("dashboard", dash_seconds, dash_cpu, dash_server),
    ):
        both = (cpu_s + server_s) / (ref_cpu + ref_server)
        print(
            f"{label:14}{wall:9.2f}{cpu_s:8.2f}{rows / wall:10,.0f}"
            f"{wall / ref_seconds:8.2f}{cpu_s / ref_cpu:11.2f}"
            + (f"{server_s:10.2f}{both:15.2f}" if postgres else "")
        )
    print("              (dashboard: upload, preview and confirmation together)")
    if postgres:
        print(
            f"search text:  {indexed:,} rows written from the backlog afterwards in "
            f"{index_seconds:.2f} s (server {index_server:.2f} s), as a worker does"
        )
    print(
        f"peak RSS:     {import_peak_kib / 1024:.0f} MiB after the import, "
        f"{peak_kib / 1024:.0f} MiB after the dashboard's"
    )
    verdict = "met" if seconds < AIM_SECONDS else "missed"
    print(f"aim:          import under {AIM_SECONDS:.0f} s ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
