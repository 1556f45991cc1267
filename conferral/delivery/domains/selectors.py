from __future__ import annotations

from conferral.accounts.models import Organization
from conferral.delivery.domains.models import SendingDomain


def domain_of(organization: Organization) -> SendingDomain | None:
    return SendingDomain.objects.filter(organization=organization).first()


def domain_in_use(organization: Organization) -> SendingDomain | None:
    """The domain the organization's messages are sent from: its own once the DNS
    check passed, else None (the installation's CONFERRAL_FROM_EMAIL)."""
    domain = domain_of(organization)
    return domain if domain is not None and domain.check_passed else None
