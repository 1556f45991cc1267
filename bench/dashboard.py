"""Benchmark: the dashboard's certificate overview (summary box, send progress, the
statistics and the shares pie chart) at N recipients (default 100,000) in every state,
against a reference measured in the same run: the overview of a certificate with 50
recipients. Server time only.

    .venv/bin/python bench/dashboard.py [--recipients N] [--repeat R]

The aim for the overview is under 100 ms (see bench/common.py for the database)."""

from __future__ import annotations

import argparse

from common import (
    certificate_in_every_state,
    median_get_ms,
    new_organization,
    signed_in_client,
    throwaway_django,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with throwaway_django("conferral-bench-dashboard-"):
        from django.utils import timezone

        from conferral.certificates.models import Recipient

        organization = new_organization()
        small = certificate_in_every_state(organization, "Reference", 50)
        big = certificate_in_every_state(organization, "Large", args.recipients)
        ids = list(Recipient.objects.filter(certificate=big).values_list("pk", flat=True))
        for start in range(0, len(ids), 10_000):
            part = ids[start : start + 10_000]
            Recipient.objects.filter(pk__in=part[::5]).update(
                claimed_at=timezone.now(), claim_channel="token", shared=["linkedin"]
            )
            Recipient.objects.filter(pk__in=part[::10]).update(shared=["linkedin", "x"])
        client = signed_in_client(organization)

        reference = median_get_ms(client.get, f"/certificates/{small.public_id}/", args.repeat)
        overview = median_get_ms(client.get, f"/certificates/{big.public_id}/", args.repeat)
        listing = median_get_ms(client.get, "/", args.repeat)
        print(f"recipients:                            {args.recipients:,}")
        print(f"reference, overview at 50 recipients:  {reference:.1f} ms")
        print(f"overview at {args.recipients:,} recipients:       {overview:.1f} ms")
        print(f"certificate list (both certificates):  {listing:.1f} ms")
        print(f"ratio of the overview to the reference: {overview / reference:.1f} x")
        verdict = "met" if overview < 100 else "missed"
        print(f"aim: the overview under 100 ms ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
