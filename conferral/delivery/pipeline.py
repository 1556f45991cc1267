"""The deliver loop a worker runs: claim a batch of due recipients, open the transport
once, build and send each message, and record the accepted ones a small group at a time
(SEND_RECORD_GROUP messages, or what was accepted within SEND_RECORD_SECONDS, whichever
comes first: one commit per group instead of one per message). Any other result (a
deferral, a bounce) is recorded at once, after the group before it. A worker killed at
any point loses no recipient (its heartbeat stops and the sweeper hands the rest back)
and re-sends at most SEND_RECORD_GROUP messages: the accepted ones not yet recorded and
the one on the wire (docs/sending.md). When our own mail service is down, only the
breaker counts it (conferral/delivery/breaker.py): the recipients wait for it with their
attempts untouched."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient
from conferral.core.refusals import ReportKind, classify
from conferral.delivery.breaker import breaker_close, breaker_outage, breaker_trip, service_key
from conferral.delivery.checkpoints import fewer_checkpoints
from conferral.delivery.domains.outgoing import BatchSenders, Channel, Sender
from conferral.delivery.email_url import email_config, email_url_parse
from conferral.delivery.message import MessageTemplate, OutgoingMessage, ReminderTemplate
from conferral.delivery.models import MailServiceOutage
from conferral.delivery.outbox import (
    Accepted,
    outbox_claim,
    outbox_record_accepted_group,
    outbox_record_bounced,
    outbox_record_deferred,
    outbox_record_paused,
    outbox_renew,
)
from conferral.delivery.reminders import reminder_in_flight
from conferral.delivery.transports import Transport, TransportError, transport_from_settings

logger = logging.getLogger(__name__)

TEMPLATE_CACHE_SIZE = 64

_identity: tuple[int, str] | None = None  # (pid, identity): a forked child makes its own


def worker_identity() -> str:
    """Unique per process and run, and the same for the whole life of the process (its
    heartbeat names it): host, pid and a random part (fits lease_owner)."""
    global _identity
    if _identity is None or _identity[0] != os.getpid():
        host = socket.gethostname()[:24] or "host"
        _identity = (os.getpid(), f"{host}:{os.getpid()}:{secrets.token_hex(6)}")
    return _identity[1]


@dataclass
class DeliverReport:
    claimed: int = 0
    delivered: int = 0
    bounced: int = 0
    deferred: int = 0
    paused: int = 0  # waiting for our own mail service to answer again
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


class _Breakers:
    """The batch's view of the breaker of each of its channels: read once per channel
    (an open breaker makes the channel unreachable without trying it), tripped by a
    failure to reach it, closed by the first message a probing channel gets through."""

    def __init__(self, senders: BatchSenders) -> None:
        self.senders = senders
        self.outages: dict[int, MailServiceOutage | None] = {}  # by id(channel)
        self.waiting: dict[int, tuple[MailServiceOutage, list[Recipient]]] = {}

    def _where(self, channel: Channel) -> tuple[str, str]:
        """The channel's service key and its description (no credentials)."""
        email_url = next(url for url, known in self.senders.channels.items() if known is channel)
        config = email_url_parse(email_url) if email_url else email_config()
        return service_key(email_url), config.describe()

    def check(self, channel: Channel) -> None:
        if id(channel) in self.outages:
            return
        outage = self.outages[id(channel)] = breaker_outage(self._where(channel)[0])
        if outage is not None and outage.retry_at > timezone.now() and not channel.unreachable:
            channel.unreachable = TransportError(outage.reply, permanent=False, unreachable=True)

    def pause(self, recipient: Recipient, channel: Channel, error: TransportError) -> None:
        """Hold the recipient back until the channel's service is probed again."""
        known = self.waiting.get(id(channel))
        if known is None:
            outage = self.outages.get(id(channel))
            if outage is None or outage.retry_at <= timezone.now():
                key, label = self._where(channel)
                outage = breaker_trip(service=key, label=label, reply=error.reply)
                logger.warning("%s is unreachable: %s", label, error.reply)
            self.outages[id(channel)] = outage
            known = self.waiting[id(channel)] = (outage, [])
        known[1].append(recipient)

    def answered(self, channel: Channel) -> None:
        if self.outages.get(id(channel)) is not None:
            breaker_close(self._where(channel)[0])
            self.outages[id(channel)] = None

    def release(self, lease_owner: str) -> int:
        """Hand the paused recipients back; how many were still ours."""
        released = 0
        for outage, recipients in self.waiting.values():
            released += outbox_record_paused(
                recipients=recipients, lease_owner=lease_owner, outage=outage
            )
        self.waiting.clear()
        return released


class _Batch:
    breakers: _Breakers  # made by `run`, with the batch's senders

    def __init__(
        self, recipients: list[Recipient], lease_owner: str, report: DeliverReport
    ) -> None:
        self.recipients = recipients
        self.lease_owner = lease_owner
        self.report = report
        self.renew_at = time.monotonic() + settings.SEND_LEASE_SECONDS / 2
        self.held: set[int] | None = None  # None: every claimed row is still ours
        # A message whose connection failed without a reply, by id(channel): the relay
        # going down, or the message; the channel's next answer tells which.
        self.doubts: dict[int, tuple[Recipient, TransportError]] = {}
        self.unrecorded: list[Accepted] = []
        self.unrecorded_since = 0.0

    def accepted(self, accepted: Accepted) -> None:
        """Hold an accepted message for its group's commit, which comes once the group
        is full or its first message has waited SEND_RECORD_SECONDS."""
        if not self.unrecorded:
            self.unrecorded_since = time.monotonic()
        self.unrecorded.append(accepted)
        if len(self.unrecorded) >= settings.SEND_RECORD_GROUP:
            self.record()
        else:
            self.record_if_due()

    def record_if_due(self) -> None:
        if self.unrecorded and (
            time.monotonic() - self.unrecorded_since >= settings.SEND_RECORD_SECONDS
        ):
            self.record()

    def record(self) -> None:
        """Commit the accepted messages held so far; a row whose lease was taken over
        meanwhile is not written (lost)."""
        if not self.unrecorded:
            return
        group, self.unrecorded = self.unrecorded, []
        written = outbox_record_accepted_group(accepted=group, lease_owner=self.lease_owner)
        self.report.delivered += len(written)
        self.report.lost += len(group) - len(written)

    def still_ours(self, recipient: Recipient) -> bool:
        """Renew the lease when half of it has run out; a row taken over since (a
        lease that expired while a slow server kept us) is skipped, never sent twice."""
        if time.monotonic() >= self.renew_at:
            self.held = outbox_renew(lease_owner=self.lease_owner)
            self.renew_at = time.monotonic() + settings.SEND_LEASE_SECONDS / 2
        return self.held is None or recipient.pk in self.held

    def defer(self, recipient: Recipient, error: TransportError) -> None:
        self.record()
        if outbox_record_deferred(
            recipient=recipient, lease_owner=self.lease_owner, reply=error.reply, code=error.code
        ):
            self.report.deferred += 1
        else:
            self.report.lost += 1

    def refuse(self, recipient: Recipient, sender: Sender, error: TransportError) -> None:
        """Not sent: our own mail service is down (no recipient's fault: it waits, its
        attempts untouched), or a problem of its own (a retry counted)."""
        self.record()
        if sender.broken is None and error.unreachable:
            self.breakers.pause(recipient, sender.channel, error)
        else:
            self.defer(recipient, error)

    def settle(self, channel: Channel, *, down: bool) -> None:
        """Decide the channel's message in doubt: it waits with the others when the
        service turned out to be down, else its failure counts as a retry."""
        doubt = self.doubts.pop(id(channel), None)
        if doubt is None:
            return
        recipient, error = doubt
        if down:
            self.breakers.pause(recipient, channel, error)
        else:
            self.defer(recipient, error)

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
                self.breakers.check(sender.channel)
                refusal = sender.refusal
                if refusal is None:
                    return recipient, sender.prepare(template.build(recipient)), sender
            except Exception as error:
                logger.exception("Could not build the message for %s", recipient.public_id)
                reason = f"could not build the message: {type(error).__name__}: {error}"
                self.defer(recipient, TransportError(reason, permanent=False))
                continue
            self.refuse(recipient, sender, refusal)
        return None

    def run(self, transport: Transport, templates: _Templates) -> None:
        """Send the batch; `transport` is the installation's, organizations with a mail
        service of their own get theirs (conferral/delivery/domains/outgoing.py)."""
        senders = BatchSenders(transport)
        self.breakers = _Breakers(senders)
        pending = iter(self.recipients)
        try:
            current = self._ready(pending, templates, senders)
            while current is not None:
                recipient, message, sender = current
                transport = sender.channel.transport
                upcoming = self._ready(pending, templates, senders)
                if sender.refusal is not None:
                    self.refuse(recipient, sender, sender.refusal)
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
                self.record_if_due()
                try:
                    reply = transport.send(message, then=then)
                except TransportError as error:
                    self.record()  # what was accepted before it, before the failure
                    if error.unreachable:
                        sender.channel.unreachable = error
                        self.refuse(recipient, sender, error)
                        self.settle(sender.channel, down=True)
                    elif error.code is None and not error.permanent:
                        self.settle(sender.channel, down=False)
                        self.doubts[id(sender.channel)] = (recipient, error)
                    else:
                        self.settle(sender.channel, down=False)
                        self.failed(recipient, error)
                else:
                    self.settle(sender.channel, down=False)
                    self.breakers.answered(sender.channel)
                    self.accepted(
                        Accepted(
                            recipient=recipient,
                            reply=reply,
                            message_id=message.message_id,
                            transport=transport.name,
                            provider_message_id=transport.provider_message_id,
                        )
                    )
                current = upcoming
        finally:
            self.record()
            senders.close()
            for channel in list(senders.channels.values()):
                self.settle(channel, down=False)
            self.report.paused += self.breakers.release(self.lease_owner)


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
