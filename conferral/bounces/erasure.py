"""An erased recipient's stored inbound reports (bounces, complaints, automatic
replies: raw messages that quote the address and often the name) are deleted; the
events they caused stay, without the link to them."""

from __future__ import annotations

from conferral.bounces.models import InboundReport
from conferral.certificates.erasure import Erasure


def bounces_on_erasure(erasure: Erasure) -> None:
    InboundReport.objects.filter(recipient_id=erasure.recipient_id).delete()
