"""Benchmark: the dashboard's recipients tab at N recipients (default 100,000): the
first page, a status filter, a sort by name, a deep page, a search, and the CSV export of
the whole list. Server time only (Django's test client, no network), the median of R
runs after one warm-up.

    .venv/bin/python bench/recipients.py [--recipients N] [--repeat R]

The database is a new SQLite file in a temporary CONFERRAL_DATA_DIR, unless
CONFERRAL_DATABASE_URL is set. The aim for a page of the list is under 150 ms."""

from __future__ import annotations

import argparse
import time

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
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with throwaway_django("conferral-bench-recipients-"):
        from conferral.certificates.models import Recipient

        organization = new_organization()
        small = certificate_in_every_state(organization, "Reference", 50)
        big = certificate_in_every_state(organization, "Large", args.recipients)
        client = signed_in_client(organization)
        reference = median_get_ms(
            client.get, f"/certificates/{small.public_id}/recipients/", args.repeat
        )
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
        print(f"{'reference: first page at 50 recipients':40} {reference:8.1f} ms")
        for label, query in cases:
            figure = median_get_ms(client.get, url, args.repeat, **query)
            print(f"{label:40} {figure:8.1f} ms ({figure / reference:.1f} x the reference)")
        started = time.perf_counter()
        for _ in range(args.repeat):
            Recipient.objects.filter(certificate=big).count()
        count = (time.perf_counter() - started) * 1000 / args.repeat
        print(f"{'the count shown on an unsearched page':40} {count:8.1f} ms")
        export = median_get_ms(client.get, url + "export/", max(1, args.repeat // 5), format="csv")
        print(f"{'CSV export of the whole list':40} {export:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
