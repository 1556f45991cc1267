"""Relay outage: what our own mail server being down costs the recipients.

    python bench/outage.py [-n 1297] [--outage 10]

In a fresh database (bench/common.py), queues N recipients while the configured SMTP
relay (a port on 127.0.0.1) is not listening, runs the deliver loop the way a worker
does for `--outage` seconds, then starts an aiosmtpd relay on that port and goes on
until nobody is pending. The breaker's real pauses apply (5 s, 10 s, 20 s …), so the
relay is back at the next probe after the outage. Prints recipients, outage length,
how long the send took once the relay was back, lost (never delivered), duplicated
(received more than once), bounced, and the attempts the outage used (retries counted
against recipients: 0 is right).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import throwaway_django

ROUND_PAUSE = 0.05  # between two deliver runs, as a worker's queue poll would
GIVE_UP_SECONDS = 900.0


class Relay:
    """An aiosmtpd handler that keeps the address of every message it accepts."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.extend(address.lower() for address in envelope.rcpt_tos)
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1297, help="recipients")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the relay is down")
    options = parser.parse_args()
    port = free_port()
    with throwaway_django("conferral-bench-outage-"):
        from aiosmtpd.controller import Controller
        from django.conf import settings

        from conferral.accounts.services import organization_get_or_create
        from conferral.certificates.event_details import EmailSent
        from conferral.certificates.models import Event, EventType, Recipient
        from conferral.certificates.services import RawRow, certificate_create, recipients_add
        from conferral.certificates.status import EmailStatus
        from conferral.delivery.pipeline import deliver_due
        from conferral.delivery.services import certificate_send

        settings.EMAIL_URL = f"smtp://127.0.0.1:{port}?timeout=5"
        organization = organization_get_or_create(name="Outage Academy")
        certificate = certificate_create(organization=organization, name="Outage Certificate")
        rows = (RawRow(i, f"Person {i}", f"person{i}@example.com") for i in range(options.n))
        recipients_add(certificate=certificate, rows=rows, keep=False)
        certificate_send(certificate=certificate)

        relay = Relay()
        controller = Controller(relay, hostname="127.0.0.1", port=port)
        pending = Recipient.objects.filter(next_attempt_at__isnull=False)
        started = time.monotonic()
        back_at: float | None = None
        paused = 0
        try:
            while time.monotonic() - started < GIVE_UP_SECONDS:
                if back_at is None and time.monotonic() - started >= options.outage:
                    controller.start()
                    back_at = time.monotonic()
                paused += deliver_due().paused
                if back_at is not None and not pending.exists():
                    break
                time.sleep(ROUND_PAUSE)
            finished = time.monotonic()
        finally:
            if back_at is not None:
                controller.stop()

        recipients = Recipient.objects.filter(certificate=certificate)
        sent = Event.objects.filter(type=EventType.EMAIL_SENT, certificate=certificate)
        retries = sum(EmailSent.from_json(event.detail).attempt - 1 for event in sent)
        copies = Counter(relay.received)
        delivered = recipients.filter(email_status=EmailStatus.DELIVERED).count()
        print(f"recipients:          {options.n}")
        print(f"outage:              {options.outage:.1f} s")
        print(f"held back (batches): {paused} recipient-probes")
        print(f"relay up → all sent: {finished - (back_at or finished):.1f} s (the next probe)")
        print(f"delivered:           {delivered}")
        print(f"lost:                {options.n - len(copies)}")
        print(f"duplicated:          {sum(1 for count in copies.values() if count > 1)}")
        print(f"bounced:             {recipients.filter(email_status='bounced').count()}")
        print(f"attempts used:       {retries}")


if __name__ == "__main__":
    main()
