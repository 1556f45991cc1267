"""The suppression list: addresses of an organization that are not mailed again
because they hard-bounced or their owner marked a message as spam.

An entry is added by the services that record such a bounce or complaint, and lifted
when the issuer corrects the address (a new address is not on the list) or overrides
it explicitly. Sending skips a suppressed address and records why (`email.suppressed`)."""

from __future__ import annotations

from collections.abc import Iterable

from conferral.accounts.models import Organization
from conferral.delivery.models import Suppression, SuppressionReason

DETAIL_MAX = 2000


def normalized(email: str) -> str:
    return email.strip().lower()


def suppression_add(
    *, organization_id: int, email: str, reason: SuppressionReason, detail: str = ""
) -> Suppression | None:
    """Put `email` on the organization's list (a complaint replaces a bounce: it is the
    stronger reason). None for an empty address."""
    address = normalized(email)
    if not address:
        return None
    entry, created = Suppression.objects.get_or_create(
        organization_id=organization_id,
        email=address,
        defaults={"reason": reason, "detail": detail[:DETAIL_MAX]},
    )
    if not created and reason == SuppressionReason.COMPLAINT != entry.reason:
        entry.reason, entry.detail = reason, detail[:DETAIL_MAX]
        entry.save(update_fields=["reason", "detail"])
    return entry


def suppression_lift(*, organization_id: int, email: str) -> bool:
    """Take `email` off the list (the issuer's explicit override). True if it was on it."""
    deleted, _ = Suppression.objects.filter(
        organization_id=organization_id, email=normalized(email)
    ).delete()
    return deleted > 0


def suppression_of(organization: Organization | int, email: str) -> Suppression | None:
    organization_id = organization if isinstance(organization, int) else organization.pk
    if not email:
        return None
    return Suppression.objects.filter(
        organization_id=organization_id, email=normalized(email)
    ).first()


def suppressions_exist(organization_id: int) -> bool:
    """Whether the organization has any suppressed address: most have none, and a send
    then looks up none of its chunks (a lookup of 1,000 addresses was about a fifth of
    queueing them)."""
    return Suppression.objects.filter(organization_id=organization_id).exists()


def suppressed_among(organization_id: int, emails: Iterable[str]) -> dict[str, Suppression]:
    """The entries for those of `emails` that are suppressed, by normalised address."""
    wanted = {normalized(email) for email in emails if email}
    if not wanted:
        return {}
    entries = Suppression.objects.filter(organization_id=organization_id, email__in=wanted)
    return {entry.email: entry for entry in entries}
