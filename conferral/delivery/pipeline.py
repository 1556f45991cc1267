"""The deliver loop a worker runs: claim a batch of due recipients, open the transport
once, build and send each message and record its result before the next one is sent.
A worker killed at any point loses no recipient (its lease expires and the sweeper hands
the rest back) and re-sends at most the one message that was on the wire."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.conf import settings

from conferral.certificates.models import Certificate, Recipient
from conferral.core.refusals import ReportKind, classify
from conferral.delivery.checkpoints import fewer_checkpoints
from conferral.delivery.domains.outgoing import BatchSenders, Sender
from conferral.delivery.message import MessageTemplate, OutgoingMessage, ReminderTemplate
from conferral.delivery.outbox import (
    outbox_claim,
    outbox_record_accepted,
    outbox_record_bounced,
    outbox_record_deferred,
    outbox_renew,
)
from conferral.delivery.reminders import reminder_in_flight
from conferral.delivery.transports import Transport, TransportError, transport_from_settings

logger = logging.getLogger(__name__)

TEMPLATE_CACHE_SIZE = 64


def worker_identity() -> str:
    """Unique per process and run: host, pid and a random part (fits lease_owner)."""
    host = socket.gethostname()[:24] or "host"
    return f"{host}:{os.getpid()}:{secrets.token_hex(6)}"


@dataclass
class DeliverReport:
    claimed: int = 0
    delivered: int = 0
    bounced: int = 0
    deferred: int = 0
    lost: int = 0  # leases taken over before the message was sent or recorded
    batches: int = 0
    timed_out: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)


class _Templates:
    """Each certificate's compiled message (and its reminder), built once per deliver
    run."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, bool], MessageTemplate] = {}

    def get(self, certificate_id: int, reminder: bool = False) -> MessageTemplate:
        template = self._cache.get((certificate_id, reminder))
        if template is None:
            if len(self._cache) >= TEMPLATE_CACHE_SIZE:
                self._cache.clear()
            certificate = Certificate.objects.select_related("organization").get(pk=certificate_id)
            variant = ReminderTemplate if reminder else MessageTemplate
            template = self._cache[(certificate_id, reminder)] = variant(certificate)
        return template


class _Batch:
    def __init__(
        self, recipients: list[Recipient], lease_owner: str, report: DeliverReport
    ) -> None:
        self.recipients = recipients
        self.lease_owner = lease_owner
        self.report = report
        self.renew_at = time.monotonic() + settings.SEND_LEASE_SECONDS / 2
        self.held: set[int] | None = None  # None: every claimed row is still ours

    def still_ours(self, recipient: Recipient) -> bool:
        """Renew the lease when half of it has run out; a row taken over since (a
        lease that expired while a slow server kept us) is skipped, never sent twice."""
        if time.monotonic() >= self.renew_at:
            self.held = outbox_renew(lease_owner=self.lease_owner)
            self.renew_at = time.monotonic() + settings.SEND_LEASE_SECONDS / 2
        return self.held is None or recipient.pk in self.held

    def defer(self, recipient: Recipient, error: TransportError) -> None:
        if outbox_record_deferred(
            recipient=recipient, lease_owner=self.lease_owner, reply=error.reply, code=error.code
        ):
            self.report.deferred += 1
        else:
            self.report.lost += 1

    def failed(self, recipient: Recipient, error: TransportError) -> None:
        """A refusal: retried when temporary, and also when a permanent reply says
        something time fixes ("552 5.2.2 mailbox full"); otherwise bounced as its
        classification says."""
        classification = classify(error.code, error.reply)
        if not error.permanent or classification.kind == ReportKind.SOFT:
            self.defer(recipient, error)
        elif outbox_record_bounced(
            recipient=recipient,
            lease_owner=self.lease_owner,
            reply=error.reply,
            code=error.code,
            classification=classification,
        ):
            self.report.bounced += 1
        else:
            self.report.lost += 1

    def _ready(
        self, pending: Iterator[Recipient], templates: _Templates, senders: BatchSenders
    ) -> tuple[Recipient, OutgoingMessage, Sender] | None:
        """The next recipient that is still ours, with its message built (DKIM-signed
        when its organization sends from its own domain) and the sender it goes out
        through; a recipient whose sender cannot send now is deferred."""
        for recipient in pending:
            if not self.still_ours(recipient):
                self.report.lost += 1
                continue
            refusal: TransportError | None
            try:
                template = templates.get(recipient.certificate_id, reminder_in_flight(recipient))
                sender = senders.sender(template.sending_domain)
                refusal = sender.refusal
                if refusal is None:
                    return recipient, sender.prepare(template.build(recipient)), sender
            except Exception as error:
                logger.exception("Could not build the message for %s", recipient.public_id)
                reason = f"could not build the message: {type(error).__name__}: {error}"
                refusal = TransportError(reason, permanent=False)
            self.defer(recipient, refusal)
        return None

    def run(self, transport: Transport, templates: _Templates) -> None:
        """Send the batch; `transport` is the installation's, organizations with a mail
        service of their own get theirs (conferral/delivery/domains/outgoing.py)."""
        senders = BatchSenders(transport)
        pending = iter(self.recipients)
        try:
            current = self._ready(pending, templates, senders)
            while current is not None:
                recipient, message, sender = current
                transport = sender.channel.transport
                upcoming = self._ready(pending, templates, senders)
                if sender.refusal is not None:
                    self.defer(recipient, sender.refusal)
                    current = upcoming
                    continue
                if not self.still_ours(recipient):
                    # Checked again: time has passed since it was prepared. (Its announced
                    # envelope, if any, dies with the connection: never completed.)
                    self.report.lost += 1
                    current = upcoming
                    continue
                # The next message is announced early only on the same connection.
                same = upcoming is not None and upcoming[2].channel is sender.channel
                then = upcoming[1] if upcoming is not None and same else None
                try:
                    reply = transport.send(message, then=then)
                except TransportError as error:
                    self.failed(recipient, error)
                    if error.unreachable:
                        sender.channel.unreachable = error
                else:
                    if outbox_record_accepted(
                        recipient=recipient,
                        lease_owner=self.lease_owner,
                        reply=reply,
                        message_id=message.message_id,
                        transport=transport.name,
                        provider_message_id=transport.provider_message_id,
                    ):
                        self.report.delivered += 1
                    else:
                        self.report.lost += 1
                current = upcoming
        finally:
            senders.close()


def deliver_due(*, worker_id: str | None = None, time_budget: float | None = None) -> DeliverReport:
    """Send every due recipient, a leased batch at a time, until nothing is due (or the
    time budget is spent: the report says so and the caller re-enqueues)."""
    worker_id = worker_id or worker_identity()
    report = DeliverReport()
    templates = _Templates()
    started = time.monotonic()
    with fewer_checkpoints():
        while True:
            lease_owner = f"{worker_id}:{report.batches}"
            recipients = outbox_claim(lease_owner=lease_owner, limit=settings.SEND_BATCH_SIZE)
            if not recipients:
                break
            report.batches += 1
            report.claimed += len(recipients)
            _Batch(recipients, lease_owner, report).run(transport_from_settings(), templates)
            if time_budget is not None and time.monotonic() - started >= time_budget:
                report.timed_out = True
                break
    return report
