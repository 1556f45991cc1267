"""What the dashboard benchmarks share: a throwaway database (a new SQLite file in a
temporary CONFERRAL_DATA_DIR, unless CONFERRAL_DATABASE_URL is set), a certificate with
N recipients spread over every email state, a signed-in test client, and the median
server time of a GET (Django's test client, no network)."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATES = ["not_sent", "sending", "delivered", "opened", "clicked", "bounced", "not_provided"]
CHUNK = 10_000


@contextlib.contextmanager
def throwaway_django(prefix: str) -> Iterator[Path]:
    """Django set up and migrated on a fresh database; the folder goes afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("CONFERRAL_DATA_DIR", str(workdir / "data"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "conferral.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def certificate_in_every_state(organization: Any, name: str, recipients: int) -> Any:
    """A certificate whose recipients (names in a shuffled order) are spread evenly over
    every email state, with first sends, opens and clicks where the state implies them."""
    from django.utils import timezone

    from conferral.certificates.models import Recipient
    from conferral.certificates.services import RawRow, certificate_create, recipients_add

    certificate = certificate_create(organization=organization, name=name)
    rows = (
        RawRow(i, f"Person {(i * 7919) % max(1, recipients)}", f"p{i}@example.com")
        for i in range(recipients)
    )
    recipients_add(certificate=certificate, rows=rows, keep=False)
    now = timezone.now()
    ids = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
    for index, state in enumerate(STATES):
        chosen = ids[index :: len(STATES)]
        for start in range(0, len(chosen), CHUNK):
            Recipient.objects.filter(pk__in=chosen[start : start + CHUNK]).update(
                email_status=state,
                first_sent_at=None if state in ("not_sent", "not_provided") else now,
                opened_at=now if state in ("opened", "clicked") else None,
                clicked_at=now if state == "clicked" else None,
            )
    return certificate


def signed_in_client(organization: Any) -> Any:
    from django.test import Client

    from conferral.accounts.services import user_create

    user = user_create(email="bench@example.com", password="bench pass", organization=organization)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def median_get_ms(get: Any, url: str, repeat: int, **query: str) -> float:
    """The median of `repeat` GETs of `url` (a streamed answer read to its end), in
    milliseconds, after one warm-up."""
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


def new_organization() -> Any:
    from conferral.accounts.services import organization_get_or_create

    return organization_get_or_create(name=f"Benchmark {time.time_ns()}")
