"""Bounces by domain: when several recipients at one domain bounced the same way, the
cause is most likely that domain's mail server (a company refusing third-party senders,
a typo in the part after the @ repeated by a list, a server down for a while), not each
address. One line per domain and kind says so, and what to do about it.

One GROUP BY over the bounced rows only: the (certificate, email_status) index finds
them, so a certificate of 100,000 recipients with a few hundred bounces reads a few
hundred rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Value
from django.db.models.functions import Lower, StrIndex, Substr
from django.utils.translation import ngettext

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.message import organization_sender

# A domain is named from this many recipients on: one bounce says nothing about a domain.
MIN_RECIPIENTS = 2
MAX_LINES = 10


@dataclass(frozen=True)
class DomainBounces:
    domain: str
    kind: BounceKind
    count: int
    sender: str  # the address the organization's messages go out from

    @property
    def text(self) -> str:
        """What happened at the domain and what to do, in one sentence."""
        values = {"count": self.count, "domain": self.domain}
        if self.kind == BounceKind.BLOCKED:
            values["sender"] = self.sender
            return (
                ngettext(
                    "%(count)s recipient at %(domain)s was refused by their mail server's "
                    "policy: ask their IT to allowlist %(sender)s, or set up a custom "
                    "sending domain.",
                    "%(count)s recipients at %(domain)s were refused by their mail server's "
                    "policy: ask their IT to allowlist %(sender)s, or set up a custom "
                    "sending domain.",
                    self.count,
                )
                % values
            )
        if self.kind == BounceKind.SOFT:
            return (
                ngettext(
                    "%(count)s recipient at %(domain)s could not be reached for now (their "
                    "server kept deferring the email): send to them again later.",
                    "%(count)s recipients at %(domain)s could not be reached for now (their "
                    "server kept deferring the email): send to them again later.",
                    self.count,
                )
                % values
            )
        return (
            ngettext(
                "%(count)s recipient at %(domain)s bounced for good: check that the domain "
                "is spelled right and that this person still has an address there.",
                "%(count)s recipients at %(domain)s bounced for good: check that the domain "
                "is spelled right and that these people still have an address there.",
                self.count,
            )
            % values
        )


def bounce_domains(certificate: Certificate) -> list[DomainBounces]:
    """The domains where at least MIN_RECIPIENTS recipients of the certificate bounced
    the same way (hard, soft or blocked), most recipients first, at most MAX_LINES."""
    domain = Lower(Substr(F("email"), StrIndex(F("email"), Value("@")) + 1))
    rows = (
        Recipient.objects.filter(certificate=certificate, email_status=EmailStatus.BOUNCED)
        .exclude(email="")
        .annotate(domain=domain)
        .values("domain", "bounce_kind")
        .annotate(count=Count("pk"))
        .filter(count__gte=MIN_RECIPIENTS)
        .order_by("-count", "domain", "bounce_kind")[:MAX_LINES]
    )
    if not rows:
        return []
    sender = organization_sender(certificate.organization)
    return [
        DomainBounces(
            sender=sender,
            domain=row["domain"],
            kind=BounceKind(row["bounce_kind"])
            if row["bounce_kind"] in BounceKind.values
            else BounceKind.HARD,
            count=row["count"],
        )
        for row in rows
    ]
