"""Benchmark: the dashboard's recipients tab at N recipients (default 100,000): the
first page, a status filter, a sort by name, a deep page, a search, and the CSV export of
the whole list. Server time only (Django's test client, no network), the median of R
runs after one warm-up.

    .venv/bin/python bench/recipients.py [--recipients N] [--repeat R]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, unless
CONFERRAL_DATABASE_URL is set. The aim for a page of the list is under 150 ms."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STATES = ["not_sent", "sending", "delivered", "opened", "clicked", "bounced", "not_provided"]


def _time(get: Any, url: str, repeat: int, **query: str) -> float:
    """The median of `repeat` GETs of `url`, in milliseconds (after one warm-up)."""
    assert get(url, query).status_code == 200
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = get(url, query)
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="conferral-bench-recipients-"))
    os.environ.setdefault("CONFERRAL_DATA_DIR", str(workdir / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from conferral.accounts.services import organization_get_or_create, user_create
        from conferral.certificates.models import Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add

        call_command("migrate", interactive=False, verbosity=0)
        organization = organization_get_or_create(name=f"Benchmark {time.time_ns()}")
        big = certificate_create(organization=organization, name="Large")
        rows = (
            RawRow(i, f"Person {(i * 7919) % args.recipients}", f"p{i}@example.com")
            for i in range(args.recipients)
        )
        recipients_add(certificate=big, rows=rows, keep=False)
        ids = list(Recipient.objects.filter(certificate=big).values_list("pk", flat=True))
        for index, state in enumerate(STATES):
            chosen = ids[index :: len(STATES)]
            for start in range(0, len(chosen), 10_000):
                Recipient.objects.filter(pk__in=chosen[start : start + 10_000]).update(
                    email_status=state
                )
        user = user_create(
            email="bench@example.com", password="bench pass", organization=organization
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)  # type: ignore[arg-type]
        url = f"/certificates/{big.public_id}/recipients/"
        deep = str(args.recipients // 50 // 2)
        cases = [
            ("first page", {}),
            ("filter: email status bounced", {"email_status": "bounced"}),
            ("filter: certificate status pending", {"status": "pending"}),
            ("sort by name, first page", {"sort": "name"}),
            ("sort by name, page " + deep, {"sort": "name", "page": deep}),
            ("page " + deep, {"page": deep}),
            ("search 'person 4242'", {"q": "person 4242"}),
        ]
        print(f"recipients: {args.recipients:,}")
        for label, query in cases:
            print(f"{label:40} {_time(client.get, url, args.repeat, **query):8.1f} ms")
        started = time.perf_counter()
        for _ in range(args.repeat):
            Recipient.objects.filter(certificate=big).count()
        count = (time.perf_counter() - started) * 1000 / args.repeat
        print(f"{'the count shown on an unsearched page':40} {count:8.1f} ms")
        export = _time(client.get, url + "export/", max(1, args.repeat // 5), format="csv")
        print(f"{'CSV export of the whole list':40} {export:8.1f} ms")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
