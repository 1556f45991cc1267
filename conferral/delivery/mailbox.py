"""Django's EMAIL_BACKEND (settings.EMAIL_BACKEND): mail Django sends itself (password
resets, invitations) goes out through the configured mail transport, like the
certificates' emails (`transport_from_settings()`: SMTP, a provider's backend, or, with
no mail settings, the built-in local mailbox, where it lands beside them).

One message per recipient address. A message may name the organization it concerns in
the header `X-Conferral-Organization` (a public id; the header is removed before the
message is stored or sent): the local mailbox shows it to that organization's members.
Without one it is system mail, shown only to its addressee."""

from __future__ import annotations

import html
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any, cast

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from conferral.accounts.emails import ORGANIZATION_HEADER
from conferral.accounts.models import Organization
from conferral.delivery import headers
from conferral.delivery.transports import SystemMessage, Transport, transport_from_settings


def _html_part(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html" and isinstance(content, str):
                return content
    if message.content_subtype == "html":
        return str(message.body)
    return (
        '<pre style="white-space:pre-wrap;font-family:inherit">'
        + html.escape(str(message.body))
        + "</pre>"
    )


def _organization_id(public_id: str | None) -> int | None:
    if not public_id:
        return None
    pk: int | None = (
        Organization.objects.filter(public_id=str(public_id).strip())
        .values_list("pk", flat=True)
        .first()
    )
    return pk


def system_messages(message: EmailMessage) -> list[SystemMessage]:
    """A Django email as one transport message per recipient address."""
    organization_id = _organization_id(message.extra_headers.pop(ORGANIZATION_HEADER, None))
    mime = message.message()
    # Django's MIME classes take a line separator; the stdlib's stubs do not.
    raw = cast(Any, mime).as_bytes(linesep="\r\n")
    from_name, from_address = parseaddr(message.from_email)
    from_address = from_address or message.from_email
    text = str(message.body) if message.content_subtype != "html" else ""
    page = _html_part(message)
    out = []
    for address in message.recipients():
        to_name, to_address = parseaddr(address)
        out.append(
            SystemMessage(
                recipient_id=0,
                envelope_from=from_address[:320],
                to=(to_address or address)[:320],
                to_name=headers.clean(to_name),
                to_header=address,
                from_address=from_address,
                from_name=headers.clean(from_name),
                from_header=message.from_email,
                subject=str(message.subject),
                message_id=str(mime["Message-ID"] or "")[:255],
                text=text,
                html=page,
                raw=raw,
                organization_id=organization_id,
            )
        )
    return out


class TransportEmailBackend(BaseEmailBackend):
    """Send Django's emails through the configured mail transport."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        transport: Transport | None = None
        try:
            for message in email_messages:
                try:
                    outgoing = system_messages(message)
                    if not outgoing:
                        continue
                    if transport is None:
                        transport = transport_from_settings()
                        transport.open()
                    for one in outgoing:
                        transport.send(one)
                except Exception:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        finally:
            if transport is not None:
                transport.close()
        return sent
