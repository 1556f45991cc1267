"""An erased recipient's messages in the local mailbox are deleted: those of its
organization to any address the recipient had, and those with the Message-ID of an
email sent to it (a reminder or a resend to an address since changed)."""

from __future__ import annotations

from django.db.models import Q

from conferral.certificates.erasure import Erasure
from conferral.delivery.models import MailboxMessage


def mailbox_on_erasure(erasure: Erasure) -> None:
    sent_to = Q(message_id__in=erasure.message_ids) if erasure.message_ids else Q(pk__in=[])
    for address in erasure.addresses:
        sent_to |= Q(to__iexact=address)
    MailboxMessage.objects.filter(sent_to, organization_id=erasure.organization_id).delete()
