"""A certificate's recipients counted by email status and by what claimed recipients
did: what the statistics, the send progress and the overview's *Send emails* count read.

The counts come from RecipientTally, which database triggers keep exact
(conferral.certificates.tally_triggers): a few dozen rows per certificate instead of a
pass over every recipient. At 100,000 recipients the grouped pass over a covering index
it replaces took ~117 ms on SQLite; the whole statistics request now costs less than
reading the certificate itself (bench/read.py). Only `waiting` depends on the time of
asking, so it is counted apart, over the recipients with a next attempt (the
`recipient_cert_pending` index), and only when asked for."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from conferral.certificates.models import Certificate, Recipient, RecipientTally
from conferral.certificates.status import EmailStatus, Status

SOCIAL_NETWORKS = ("linkedin", "facebook", "x")


@dataclass(frozen=True, slots=True)
class StatusTally:
    """The recipients of one email status."""

    recipients: int = 0
    sent: int = 0  # Fact.SENT
    opened: int = 0  # Fact.OPENED
    clicked: int = 0  # Fact.CLICKED
    machine_opened_only: int = 0  # Fact.MACHINE_OPENED_ONLY
    machine_opened: int = 0  # Fact.MACHINE_OPENED
    machine_clicked: int = 0  # Fact.MACHINE_CLICKED
    opened_any: int = 0  # Fact.OPENED_ANY
    clicked_any: int = 0  # Fact.CLICKED_ANY
    waiting: int = 0  # a next attempt still to come (deferred or scheduled)
    revoked: int = 0  # credentials revoked


@dataclass(frozen=True, slots=True)
class ClaimedTally:
    """What the claimed recipients did (downloads and shares need a claim)."""

    claimed: int = 0  # Fact.CLAIMED
    shared_or_downloaded: int = 0  # Fact.SHARED_OR_DOWNLOADED
    added_to_linkedin: int = 0  # Fact.ADDED_TO_LINKEDIN
    shares: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOCIAL_NETWORKS, 0))


class Tallies(dict[str, StatusTally]):
    """StatusTally by email status value; a status nobody has counts zero. `claimed`
    holds the claimed recipients' counts."""

    claimed: ClaimedTally

    def __init__(self, claimed: ClaimedTally | None = None) -> None:
        super().__init__()
        self.claimed = claimed or ClaimedTally()

    def __missing__(self, status: str) -> StatusTally:
        return StatusTally()

    def total(self, field: str, statuses: Iterable[str] | None = None) -> int:
        chosen = self.values() if statuses is None else (self[s] for s in statuses)
        return sum(getattr(tally, field) for tally in chosen)

    @property
    def sendable(self) -> int:
        """How many *Send emails* would queue: not sent yet, with an address (a
        recipient without one is `not_provided`), not revoked."""
        not_sent = self[EmailStatus.NOT_SENT]
        return not_sent.recipients - not_sent.revoked


TALLY_FIELDS = (
    "email_status",
    "status",
    "sent",
    "opened",
    "clicked",
    "machine_opened",
    "machine_clicked",
    "revoked",
    "downloaded",
    "linkedin_added",
    "shared_linkedin",
    "shared_facebook",
    "shared_x",
    "shared_any",
    "n",
)


COUNTED = (
    "recipients",
    "sent",
    "opened",
    "clicked",
    "machine_opened_only",
    "revoked",
    "machine_opened",
    "machine_clicked",
    "opened_any",
    "clicked_any",
)
"""The StatusTally fields `recipient_tallies` counts, in the order it counts them."""


def recipient_tallies(certificate: Certificate) -> Tallies:
    """The certificate's tallies, every `waiting` zero: one read of its tally rows.

    Each number counts by the definition in conferral.certificates.facts (the machine
    and "any" ones by conferral.stats.selectors'), here applied to a combination of
    facts at a time (tests compare both on random histories)."""
    by_status: dict[str, list[int]] = {}
    claimed, shared_or_downloaded, linkedin = 0, 0, 0
    shares = dict.fromkeys(SOCIAL_NETWORKS, 0)
    rows = RecipientTally.objects.filter(certificate=certificate).values_list(*TALLY_FIELDS)
    for row in rows.order_by():
        (email_status, status, sent, opened, clicked, machine, machine_click) = row[:7]
        (revoked, downloaded, linkedin_added, on_linkedin, on_facebook, on_x) = row[7:13]
        (shared_any, n) = row[13:]
        if not n:
            continue
        read = opened or clicked
        counted = (
            True,
            sent,
            read,
            clicked,
            machine and not read,
            revoked,
            machine or machine_click,
            machine_click,
            read or machine or machine_click,
            clicked or machine_click,
        )
        counts = by_status.setdefault(email_status, [0] * len(COUNTED))
        for index, fact in enumerate(counted):
            counts[index] += n if fact else 0
        if status == Status.CLAIMED:
            claimed += n
            shared_or_downloaded += n if downloaded or shared_any else 0
            linkedin += n if linkedin_added else 0
            for network, shared in zip(
                SOCIAL_NETWORKS, (on_linkedin, on_facebook, on_x), strict=True
            ):
                shares[network] += n if shared else 0
    tallies = Tallies(ClaimedTally(claimed, shared_or_downloaded, linkedin, shares))
    for email_status, counts in by_status.items():
        tallies[email_status] = StatusTally(**dict(zip(COUNTED, counts, strict=True)))
    return tallies


def email_tallies(certificate: Certificate, *, now: dt.datetime) -> Tallies:
    """`recipient_tallies` with `waiting`: the recipients whose next attempt is after
    `now`."""
    tallies = recipient_tallies(certificate)
    # Counted here rather than by GROUP BY, which SQLite would serve in email status
    # order from `recipient_cert_email`, every row of the certificate, instead of from
    # the pending rows of `recipient_cert_pending`.
    pending = Recipient.objects.filter(certificate=certificate, next_attempt_at__gt=now).order_by()
    for email_status, n in Counter(pending.values_list("email_status", flat=True)).items():
        tallies[email_status] = dataclasses.replace(tallies[email_status], waiting=n)
    return tallies
