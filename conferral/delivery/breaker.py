"""The circuit breaker of our own mail services. When the relay (or provider) we send
through cannot be reached, refuses our login or fails TLS, no recipient is at fault:
sending through that service pauses, and one batch probes it again after a pause that
doubles with every failed probe (5 s, 10 s, 20 s … at most five minutes). The state
is a row per service (MailServiceOutage), so every worker on every machine pauses
together; the recipients waiting keep their attempts (conferral.delivery.outbox
`outbox_record_paused`)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.delivery.domains.selectors import domain_in_use
from conferral.delivery.models import MailServiceOutage

FIRST_PAUSE_SECONDS = 5.0
LONGEST_PAUSE_SECONDS = 300.0
INSTALLATION = "installation"  # the key of the installation's own mail service


def service_key(email_url: str) -> str:
    """The breaker's key of a mail service: its URL hashed (it may hold a password),
    or INSTALLATION for the installation's configured one ("")."""
    return hashlib.sha256(email_url.encode()).hexdigest() if email_url else INSTALLATION


def pause_after(failures: int) -> dt.timedelta:
    """How long sending pauses after `failures` failed tries in a row."""
    seconds = FIRST_PAUSE_SECONDS * 2 ** min(max(failures - 1, 0), 30)
    return dt.timedelta(seconds=min(seconds, LONGEST_PAUSE_SECONDS))


def breaker_outage(service: str) -> MailServiceOutage | None:
    """The service's outage, if it has one (open, or letting a probe through)."""
    return MailServiceOutage.objects.filter(service=service).first()


def breaker_trip(
    *, service: str, label: str, reply: str, now: dt.datetime | None = None
) -> MailServiceOutage:
    """Record that the service failed. A failure while the breaker is open (another
    worker's batch that was already under way) changes nothing; a failed probe doubles
    the pause. Returns the outage, whose `retry_at` is when the next probe may go."""
    now = now or timezone.now()
    for _try in range(2):
        try:
            with transaction.atomic():
                outage = (
                    MailServiceOutage.objects.select_for_update().filter(service=service).first()
                )
                if outage is None:
                    return MailServiceOutage.objects.create(
                        service=service,
                        label=label,
                        since=now,
                        failures=1,
                        retry_at=now + pause_after(1),
                        reply=reply,
                    )
                if outage.retry_at <= now:
                    outage.failures += 1
                    outage.retry_at = now + pause_after(outage.failures)
                    outage.reply = reply
                    outage.label = label
                    outage.save(update_fields=["failures", "retry_at", "reply", "label"])
                return outage
        except IntegrityError:
            continue  # another worker recorded the outage first: read theirs
    raise RuntimeError(f"could not record the outage of {label}")


def breaker_close(service: str) -> None:
    """The service answered again: sending through it resumes."""
    MailServiceOutage.objects.filter(service=service).delete()


def outage_of(organization: Organization) -> MailServiceOutage | None:
    """The outage of the mail service the organization's emails go out through (its
    own when its sending domain names one, else the installation's), if it has one."""
    domain = domain_in_use(organization)
    return breaker_outage(service_key(domain.email_url if domain is not None else ""))
