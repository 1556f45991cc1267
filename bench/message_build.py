"""Benchmark: building one recipient's email (`MessageTemplate.build`), and what one URL
signature of it costs (each message signs three: the link, the open pixel and the
List-Unsubscribe URL).

    .venv/bin/python bench/message_build.py [--messages N]

Prints the best of several runs in microseconds a message. The database (for the
certificate and its organization) is a new SQLite file in a temporary
CONFERRAL_DATA_DIR, unless CONFERRAL_DATABASE_URL is set."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from common import new_organization, throwaway_django

RUNS = 7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    with throwaway_django("conferral-bench-build-"):
        from conferral.certificates.models import Recipient
        from conferral.certificates.services import certificate_create
        from conferral.core import signing
        from conferral.delivery.message import MessageTemplate, ReminderTemplate

        certificate = certificate_create(organization=new_organization(), name="Python 101")
        people = [
            Recipient(
                pk=i,
                public_id=f"r{i:018d}",
                name=f"Person {i}",
                email=f"p{i}@example.com",
                certificate_id=certificate.pk,
            )
            for i in range(args.messages)
        ]

        def run_us(work: Callable[[Recipient], object]) -> float:
            started = time.perf_counter()
            for person in people:
                work(person)
            return (time.perf_counter() - started) / len(people) * 1e6

        first, reminder = MessageTemplate(certificate), ReminderTemplate(certificate)
        cases: dict[str, Callable[[Recipient], object]] = {
            "build(), the first email": first.build,
            "build(), a reminder": reminder.build,
            "one URL signature": lambda person: signing.sign("unsubscribe", person.public_id),
        }
        best = dict.fromkeys(cases, float("inf"))
        for _ in range(RUNS):  # interleaved, so a busy moment of the machine hits all
            for name, work in cases.items():
                best[name] = min(best[name], run_us(work))
        for name, value in best.items():
            print(f"{name:<26} {value:7.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
