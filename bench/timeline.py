"""Benchmark: one recipient's dashboard page with N events (default 100,000) in its
timeline, the latest page and a page deep in the past, against a reference measured in
the same run: the page of a recipient with 10 events. Server time only.

    .venv/bin/python bench/timeline.py [--events N] [--repeat R]

The aim for the page is well under a second, whatever the depth (see bench/common.py
for the database)."""

from __future__ import annotations

import argparse
import datetime as dt

from common import median_get_ms, new_organization, signed_in_client, throwaway_django

BATCH = 100  # events at one moment
REFERENCE_EVENTS = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with throwaway_django("conferral-bench-timeline-"):
        from django.utils import timezone

        from conferral.certificates.event_details import (
            CredentialVerified,
            CredentialViewed,
            EmailOpened,
        )
        from conferral.certificates.events import events_insert
        from conferral.certificates.models import Event, Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add

        organization = new_organization()
        certificate = certificate_create(organization=organization, name="Timeline")
        recipients_add(
            certificate=certificate,
            rows=[RawRow(0, "Reference", "ref@example.com"), RawRow(1, "Busy", "busy@example.com")],
            keep=False,
        )
        small, busy = Recipient.objects.filter(certificate=certificate).order_by("pk")
        kinds = [CredentialViewed(), CredentialVerified(), EmailOpened(machine_reason="bot")]
        start = timezone.now() - dt.timedelta(days=365)

        def fill(recipient: Recipient, count: int) -> None:
            """`count` events, BATCH at each moment (so ids break the ties of `at`)."""
            for first in range(0, count, BATCH):
                size = min(BATCH, count - first)
                events_insert(
                    recipient_ids=[recipient.pk] * size,
                    certificate_id=certificate.pk,
                    detail=[kinds[number % len(kinds)] for number in range(size)],
                    at=start + dt.timedelta(minutes=first // BATCH),
                )

        fill(small, REFERENCE_EVENTS)
        fill(busy, args.events)
        assert Event.objects.filter(recipient=busy).count() == args.events
        deep = Event.objects.filter(recipient=busy).order_by("at", "id")[args.events // 10]
        client = signed_in_client(organization)

        reference = median_get_ms(client.get, f"/recipients/{small.public_id}/", args.repeat)
        latest = median_get_ms(client.get, f"/recipients/{busy.public_id}/", args.repeat)
        past = median_get_ms(
            client.get, f"/recipients/{busy.public_id}/", args.repeat, before=str(deep.pk)
        )
        print(f"events:                                 {args.events:,}")
        print(f"reference, page at {REFERENCE_EVENTS} events:           {reference:.1f} ms")
        print(f"latest page at {args.events:,} events:        {latest:.1f} ms")
        print(f"page 10% from the start:                {past:.1f} ms")
        print(f"ratio of the latest page to the reference: {latest / reference:.1f} x")
        print(f"ratio of the deep page to the reference:   {past / reference:.1f} x")
        verdict = "met" if max(latest, past) < 1000 else "missed"
        print(f"aim: every page well under a second ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
