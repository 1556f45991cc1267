"""Webhooks benchmark: what a subscribed endpoint adds to recording events, and how
fast deliveries reach a local receiver.

    python bench/webhooks.py [-n 10000]

In a fresh database (its own temporary CONFERRAL_DATA_DIR, SQLite unless
CONFERRAL_DATABASE_URL is set) and with the database task queue, two certificates of
N recipients each, in two organizations; the second has an endpoint subscribed to
`credential.claimed` and `credential.revoked`. Through the real services, first for
the organization without an endpoint, then for the one with:

- every credential is claimed, one at a time (credential_claim: one transaction and
  one event each, so one subscriber call, delivery row and task per event);
- then all are revoked at once (recipients_revoke: batches of 1,000 events).

Prints the times and their ratios: the cost the subscription adds to the recording
path. Then the 2N deliveries are sent (conferral.webhooks.sending, the task's code) to
a bare HTTP server in another process on 127.0.0.1, and deliveries/s are printed."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from typing import Any

from common import new_organization, throwaway_django

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the receiver did not start")


def _revoke_all(certificate: Any) -> float:
    from conferral.certificates.credentials import recipients_revoke
    from conferral.certificates.models import Recipient

    ids = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
    started = time.perf_counter()
    recipients_revoke(recipient_ids=ids, certificate_id=certificate.pk, reason="Benchmark")
    return time.perf_counter() - started


def _claim_all(certificate: object) -> float:
    from conferral.certificates.credentials import credential_claim
    from conferral.certificates.models import Channel, Recipient

    people = list(Recipient.objects.filter(certificate=certificate).only("pk", "certificate_id"))
    started = time.perf_counter()
    for person in people:
        credential_claim(recipient=person, channel=Channel.EMAIL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="events per run")
    args = parser.parse_args()
    os.environ["CONFERRAL_WEBHOOKS_ALLOW_PRIVATE"] = "1"
    os.environ["CONFERRAL_TASKS"] = "db"
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    _wait_for(port)
    try:
        return _run(args.n, port)
    finally:
        receiver.terminate()
        receiver.wait()


def _run(n: int, port: int) -> int:
    with throwaway_django("conferral-bench-webhooks-"):
        from conferral.certificates.services import RawRow, certificate_create, recipients_add
        from conferral.webhooks.models import Delivery, DeliveryStatus
        from conferral.webhooks.sending import deliveries_send_due
        from conferral.webhooks.services import endpoint_create

        certificates = []
        for name in ("Plain", "Subscribed"):
            organization = new_organization()
            certificate = certificate_create(organization=organization, name=name)
            rows = (RawRow(i, f"P {i}", f"p{i}@example.com") for i in range(n))
            recipients_add(certificate=certificate, rows=rows, keep=False)
            certificates.append(certificate)
        endpoint_create(
            organization=certificates[1].organization,
            url=f"http://127.0.0.1:{port}/hooks",
            event_types=["credential.claimed", "credential.revoked"],
        )

        plain = _claim_all(certificates[0])
        subscribed = _claim_all(certificates[1])
        print(f"{n} claims without an endpoint: {plain:.2f} s ({n / plain:.0f}/s)")
        print(f"{n} claims with an endpoint:    {subscribed:.2f} s ({n / subscribed:.0f}/s)")
        print(f"cost ratio (with / without): {subscribed / plain:.2f}")
        plain = _revoke_all(certificates[0])
        subscribed = _revoke_all(certificates[1])
        print(f"{n} revocations at once without an endpoint: {plain:.2f} s")
        print(f"{n} revocations at once with an endpoint:    {subscribed:.2f} s")
        print(f"cost ratio (with / without): {subscribed / plain:.2f}")
        print(f"delivery rows waiting: {Delivery.objects.count()}")

        started = time.perf_counter()
        deliveries_send_due(time_budget=3600)
        elapsed = time.perf_counter() - started
        sent = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
        print(f"{sent} deliveries sent in {elapsed:.2f} s: {sent / elapsed:.0f} deliveries/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
