"""Benchmark: the dashboard's certificate overview (summary box, send progress, the
statistics and the shares pie chart) at N recipients (default 100,000) in every state,
against a reference measured in the same run: the certificate list page with one
certificate. Server time only (Django's test client, no network).

    .venv/bin/python bench/dashboard.py [--recipients N] [--repeat R]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, unless
CONFERRAL_DATABASE_URL is set. The aim for the overview is under 100 ms."""

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


def _time(get: Any, url: str, repeat: int) -> float:
    """The median of `repeat` GETs of `url`, in milliseconds (after one warm-up)."""
    assert get(url).status_code == 200
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="conferral-bench-dashboard-"))
    os.environ.setdefault("CONFERRAL_DATA_DIR", str(workdir / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from conferral.accounts.services import organization_get_or_create, user_create
        from conferral.certificates.models import Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add

        call_command("migrate", interactive=False, verbosity=0)
        organization = organization_get_or_create(name=f"Benchmark {time.time_ns()}")
        small = certificate_create(organization=organization, name="Reference")
        big = certificate_create(organization=organization, name="Large")
        rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(args.recipients))
        recipients_add(certificate=big, rows=rows, keep=False)
        now = timezone.now()
        ids = list(Recipient.objects.filter(certificate=big).values_list("pk", flat=True))
        # Every state and engagement facet, spread over the list.
        for index, state in enumerate(STATES):
            chosen = ids[index :: len(STATES)]
            for start in range(0, len(chosen), 10_000):
                Recipient.objects.filter(pk__in=chosen[start : start + 10_000]).update(
                    email_status=state,
                    first_sent_at=None if state in ("not_sent", "not_provided") else now,
                    opened_at=now if state in ("opened", "clicked") else None,
                    clicked_at=now if state == "clicked" else None,
                )
        for start in range(0, len(ids), 10_000):
            part = ids[start : start + 10_000]
            Recipient.objects.filter(pk__in=part[::5]).update(
                claimed_at=now, claim_channel="token", shared=["linkedin"]
            )
            Recipient.objects.filter(pk__in=part[::10]).update(shared=["linkedin", "x"])
        user = user_create(
            email="bench@example.com", password="bench pass", organization=organization
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)  # type: ignore[arg-type]

        reference = _time(client.get, "/", args.repeat)
        overview = _time(client.get, f"/certificates/{big.public_id}/", args.repeat)
        small_overview = _time(client.get, f"/certificates/{small.public_id}/", args.repeat)
        print(f"recipients:                      {args.recipients:,}")
        print(f"reference, the certificate list: {reference:.1f} ms")
        print(f"overview, no recipients:         {small_overview:.1f} ms")
        print(f"overview, {args.recipients:,} recipients:   {overview:.1f} ms")
        print(f"ratio to the reference:          {overview / reference:.1f} x")
        verdict = "met" if overview < 100 else "missed"
        print(f"aim:                             under 100 ms ({verdict})")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
