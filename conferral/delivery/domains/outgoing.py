"""What a sending domain changes in a deliver batch: each message is DKIM-signed with
its organization's keys and goes out through the organization's own mail service, if
it has one. A batch may hold several organizations' recipients, so it keeps one
`Channel` per mail service (the installation's for organizations without their own)
and one signer per domain, each made when first needed (keys parsed once), and closes
every channel at the end."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from conferral.delivery.domains.keys import UnreadableKey
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.signing import Signer, signer_for
from conferral.delivery.email_url import email_url_parse
from conferral.delivery.message import OutgoingMessage
from conferral.delivery.transports import (
    Transport,
    TransportError,
    transport_for,
    transport_from_settings,
)


class Channel:
    """One mail service's transport in the batch. `unreachable` is set once it could
    not be reached: its remaining messages are deferred without trying."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.unreachable: TransportError | None = None
        try:
            transport.open()
        except TransportError as error:
            self.unreachable = error


@dataclass(frozen=True)
class Sender:
    channel: Channel
    signer: Signer | None
    broken: TransportError | None = None  # the domain's keys or service cannot be used

    @property
    def refusal(self) -> TransportError | None:
        """Why this sender's messages cannot go out now, if they cannot."""
        return self.broken or self.channel.unreachable

    def prepare(self, message: OutgoingMessage) -> OutgoingMessage:
        if self.signer is None:
            return message
        return dataclasses.replace(message, raw=self.signer.sign(message.raw))


class BatchSenders:
    def __init__(self, default: Transport) -> None:
        self.default = default
        self.channels: dict[str, Channel] = {}  # by mail service URL; "": the default
        self.senders: dict[object, Sender] = {}

    def _channel(self, email_url: str) -> Channel:
        channel = self.channels.get(email_url)
        if channel is None:
            transport = transport_for(email_url_parse(email_url)) if email_url else self.default
            channel = self.channels[email_url] = Channel(transport)
        return channel

    def sender(self, domain: SendingDomain | None) -> Sender:
        """The sender for an organization's messages: its domain in use, or None."""
        key = None if domain is None else (domain.pk, domain.updated_at)
        sender = self.senders.get(key)
        if sender is None:
            sender = self.senders[key] = self._make(domain)
        return sender

    def _make(self, domain: SendingDomain | None) -> Sender:
        if domain is None:
            return Sender(self._channel(""), None)
        try:
            channel = self._channel(domain.email_url)
        except ImproperlyConfigured as error:
            return Sender(
                self._channel(""),
                None,
                TransportError(f"the mail service of {domain.domain}: {error}", permanent=False),
            )
        try:
            return Sender(channel, signer_for(domain))
        except UnreadableKey as error:
            return Sender(
                channel,
                None,
                TransportError(f"the DKIM keys of {domain.domain}: {error}", permanent=False),
            )

    def close(self) -> None:
        for channel in self.channels.values():
            channel.transport.close()
        if "" not in self.channels:
            self.default.close()


def message_send_once(message: OutgoingMessage, domain: SendingDomain | None) -> str:
    """Send one message outside a batch (the issuer's test email) exactly as a batch
    would: signed with the domain's keys, through its mail service. Returns the
    server's reply; raises TransportError."""
    senders = BatchSenders(transport_from_settings())
    try:
        sender = senders.sender(domain)
        if sender.refusal is not None:
            raise sender.refusal
        return sender.channel.transport.send(sender.prepare(message))
    finally:
        senders.close()
