"""An erased recipient's webhook deliveries: the frozen bodies (which name the person)
and the receivers' answers (which may echo them) are emptied, and each detail loses its
personal fields. A retry or a replay builds the body again, naming the recipient's ids
only (conferral.webhooks.payload)."""

from __future__ import annotations

from conferral.certificates.erasure import Erasure
from conferral.certificates.event_details import DETAILS
from conferral.webhooks.models import Attempt, Delivery

CHUNK = 500


def webhooks_on_erasure(erasure: Erasure) -> None:
    deliveries = Delivery.objects.filter(recipient_id=erasure.recipient_id)
    Attempt.objects.filter(delivery__in=deliveries).exclude(answer="").update(answer="")
    changed = []
    for delivery in deliveries.only("pk", "event_type", "detail"):
        detail = DETAILS.get(delivery.event_type)
        delivery.detail = (
            {} if detail is None else detail.from_json(delivery.detail or {}).anonymised().to_json()
        )
        delivery.body = ""
        changed.append(delivery)
    Delivery.objects.bulk_update(changed, ["detail", "body"], batch_size=CHUNK)
