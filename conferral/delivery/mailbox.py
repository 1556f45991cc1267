"""The built-in local mailbox as a Django email backend (settings.EMAIL_BACKEND), so mail
Django itself sends (password resets, notices) lands beside the certificates' emails.
One stored copy per recipient address, as the certificate emails are stored."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any, cast

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from conferral.delivery.models import MailboxMessage


class MailboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        stored = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            try:
                mime = message.message()
                # Django's MIME classes take a line separator; the stdlib's stubs do not.
                raw = cast(Any, mime).as_bytes(linesep="\r\n")
                sender = parseaddr(message.from_email)[1] or message.from_email
                rows = [
                    MailboxMessage(
                        message_id=str(mime["Message-ID"] or "")[:255],
                        sender=sender[:320],
                        to=(parseaddr(address)[1] or address)[:320],
                        subject=str(message.subject)[:998],
                        raw=raw,
                    )
                    for address in recipients
                ]
                MailboxMessage.objects.bulk_create(rows)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            stored += 1
        return stored
