"""Benchmark: import a generated CSV of N recipients (default 100,000) through the code
`conferral import` runs, into a fresh database, and print rows/s, seconds and peak RSS.

    .venv/bin/python bench/import.py [--rows N] [--keep]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, unless
CONFERRAL_DATABASE_URL is set (then a new organization and certificate on that
database). The target is under 10 s for 100,000 rows."""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="conferral-bench-import-"))
    os.environ.setdefault("CONFERRAL_DATA_DIR", str(workdir / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from conferral.accounts.services import organization_get_or_create
        from conferral.certificates.importing import recipients_import_path
        from conferral.certificates.services import certificate_create

        call_command("migrate", interactive=False, verbosity=0)
        csv_path = workdir / "recipients.csv"
        generate(csv_path, args.rows)
        size = csv_path.stat().st_size
        organization = organization_get_or_create(name=f"Benchmark {time.time_ns()}")
        certificate = certificate_create(organization=organization, name="Import benchmark")

        started, cpu_started = time.perf_counter(), time.process_time()
        added = recipients_import_path(certificate=certificate, path=csv_path)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        assert added == args.rows, (added, args.rows)
        print(f"rows:        {added}")
        print(f"file:        {size / 1_048_576:.1f} MiB")
        print(f"seconds:     {seconds:.2f}")
        print(f"CPU seconds: {cpu_seconds:.2f} (this process; the rest is waiting)")
        print(f"rows/s:      {added / seconds:,.0f}")
        print(f"peak RSS:    {peak_kib / 1024:.0f} MiB")
        print(f"target:      under 10 s ({'met' if seconds < 10 else 'missed'})")
        return 0
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
