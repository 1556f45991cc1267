"""An erased recipient's Open Badges: the signed documents go (they name the person by
the hash of their address); the rows stay, for their status list entries, whose bits
the erasure sets (conferral.badges.status_list)."""

from __future__ import annotations

from conferral.badges.models import BadgeCredential
from conferral.certificates.erasure import Erasure

ERASED_DOCUMENT = "{}"


def badges_on_erasure(erasure: Erasure) -> None:
    BadgeCredential.objects.filter(recipient_id=erasure.recipient_id).update(
        signed_json=ERASED_DOCUMENT
    )
