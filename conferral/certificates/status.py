"""The two status axes of a recipient and the email-status machine: the one place that
says which email statuses belong together and how each step of a message's life moves
a recipient from one status to the next.

Every other module reads these names: the services and the outbox apply a `Transition`
as a conditional UPDATE (`.sources_q()`, `.expression()` or, in hand-written SQL,
`.sql()`), the statistics and the dashboard count by the groups, and the recipient's
certificate status column is computed from them (`STATUS_EXPRESSION`). A status that a
step does not list is left as it is: the step is still recorded as an event, but it
does not move the recipient (an open after a bounce, a second delivery of a message
already read). One move is not a step: a read status recomputed from the facts that
remain when an open or click is found to be a machine's (`engagement_status`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from conferral.core.refusals import ReportKind


class EmailStatus(models.TextChoices):
    NOT_PROVIDED = "not_provided", _("Email not provided")
    NOT_SENT = "not_sent", _("Not sent")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered, not opened")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")


class Status(models.TextChoices):
    """The certificate status of the recipient list: claimed wins over the email axis."""

    NOT_SENT = "not_sent", _("Not sent")
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    CLAIMED = "claimed", _("Claimed")


class BounceKind(models.TextChoices):
    HARD = "hard", _("Hard bounce")
    SOFT = "soft", _("Soft bounce")
    # Refused by the receiving side's policy (5.7.x, spam or content filters, a
    # company refusing third-party senders): the address is fine, the fix is an
    # allowlist or a custom sending domain.
    BLOCKED = "blocked", _("Blocked by policy")


def bounce_kind(kind: ReportKind) -> BounceKind:
    """The recipient's bounce kind for a failure: an unknown permanent failure counts as
    hard (the classification's explanation says that the reason was not told)."""
    if kind == ReportKind.SOFT:
        return BounceKind.SOFT
    if kind == ReportKind.BLOCKED:
        return BounceKind.BLOCKED
    return BounceKind.HARD


# The named groups. Each is a frozenset of the statuses' values, usable in `__in`
# lookups and in `in` tests alike.
IN_FLIGHT = frozenset({EmailStatus.SCHEDULED, EmailStatus.SENDING})
"""Queued: waiting for its time, being sent, or deferred and waiting for a retry."""
READ = frozenset({EmailStatus.OPENED, EmailStatus.CLICKED})
"""A person read the message: a later delivery or a resend keeps this fact."""
DELIVERED = frozenset(
    {EmailStatus.DELIVERED, EmailStatus.OPENED, EmailStatus.CLICKED, EmailStatus.COMPLAINED}
)
"""Accepted by the recipient's server and not bounced since (a complaint comes from a
message that arrived)."""
ACCEPTED_ONCE = frozenset({*IN_FLIGHT, *DELIVERED})
"""A message may have reached the inbox: what an open, a click, a late bounce or a
complaint can follow. (In flight too: a resend does not undo the first message.)"""
QUEUEABLE = frozenset(
    {
        EmailStatus.NOT_SENT,
        *IN_FLIGHT,
        EmailStatus.DELIVERED,
        *READ,
        EmailStatus.BOUNCED,
    }
)
"""May be sent (again): everything but no address and a spam complaint, which ends
the sending to that recipient."""


class Step(StrEnum):
    """What happens to a recipient's email, each the cause of at most one transition."""

    QUEUE = "queue"  # send or resend now
    SCHEDULE = "schedule"  # send or resend at a later time
    CANCEL = "cancel"  # a scheduled send called off before its time
    DEFER = "defer"  # the server said "try again later"
    DELIVER = "deliver"  # the server accepted the message
    BOUNCE = "bounce"  # refused, retries ran out, or a late bounce (DSN, provider)
    OPEN = "open"  # a person's open (a machine's open moves nothing)
    CLICK = "click"  # a person's click on the email's link
    COMPLAIN = "complain"  # marked as spam
    ADDRESS_ADD = "address_add"  # an address given where there was none, or corrected
    ADDRESS_REMOVE = "address_remove"  # the address was cleared


@dataclass(frozen=True)
class Transition:
    """`step` moves a recipient whose email status is in `sources` to `target`."""

    step: Step
    sources: frozenset[EmailStatus]
    target: EmailStatus

    def apply(self, status: str) -> EmailStatus:
        """The status after this step (unchanged when it is not a source)."""
        return self.target if status in self.sources else EmailStatus(status)

    def sources_q(self) -> Q:
        """The recipients this step moves, for a conditional UPDATE."""
        return Q(email_status__in=self.sources)

    def expression(self) -> Case:
        """The new `email_status` for an UPDATE that writes other columns too."""
        return Case(
            When(email_status__in=self.sources, then=Value(self.target.value)),
            default=F("email_status"),
        )

    def sql(self, column: str) -> tuple[str, list[str]]:
        """The same expression as SQL (`column` quoted) and its parameters."""
        marks = ", ".join(["%s"] * len(self.sources))
        return (
            f"CASE WHEN {column} IN ({marks}) THEN %s ELSE {column} END",
            [*_values(self.sources), self.target.value],
        )


def _transition(step: Step, sources: set[EmailStatus], target: EmailStatus) -> Transition:
    return Transition(step, frozenset(sources), target)


TRANSITIONS: dict[Step, Transition] = {
    t.step: t
    for t in (
        # A send puts the recipient in flight, unless the message was read already.
        _transition(Step.QUEUE, set(QUEUEABLE - READ), EmailStatus.SENDING),
        _transition(Step.SCHEDULE, set(QUEUEABLE - READ), EmailStatus.SCHEDULED),
        # Called off before its time: not sent, as if it had never been scheduled.
        _transition(Step.CANCEL, {EmailStatus.SCHEDULED}, EmailStatus.NOT_SENT),
        # A scheduled message that was tried is being sent.
        _transition(Step.DEFER, {EmailStatus.SCHEDULED}, EmailStatus.SENDING),
        _transition(Step.DELIVER, set(IN_FLIGHT), EmailStatus.DELIVERED),
        # A bounce wins over delivery and opens: it may arrive hours later.
        _transition(
            Step.BOUNCE, set(ACCEPTED_ONCE - {EmailStatus.COMPLAINED}), EmailStatus.BOUNCED
        ),
        # An open or a click proves the message arrived, whatever the worker wrote.
        _transition(Step.OPEN, {*IN_FLIGHT, EmailStatus.DELIVERED}, EmailStatus.OPENED),
        _transition(
            Step.CLICK, {*IN_FLIGHT, EmailStatus.DELIVERED, EmailStatus.OPENED}, EmailStatus.CLICKED
        ),
        _transition(
            Step.COMPLAIN, set(ACCEPTED_ONCE - {EmailStatus.COMPLAINED}), EmailStatus.COMPLAINED
        ),
        # A new address makes a recipient without one, or a bounced one, sendable again.
        _transition(
            Step.ADDRESS_ADD,
            {EmailStatus.NOT_PROVIDED, EmailStatus.BOUNCED},
            EmailStatus.NOT_SENT,
        ),
        # Without an address nothing can be sent, not even a queued message.
        _transition(
            Step.ADDRESS_REMOVE,
            {EmailStatus.NOT_SENT, *IN_FLIGHT, EmailStatus.BOUNCED},
            EmailStatus.NOT_PROVIDED,
        ),
    )
}


def transition(step: Step) -> Transition:
    return TRANSITIONS[step]


def engagement_status(status: str, *, opened: bool, clicked: bool) -> EmailStatus:
    """A read status again, from what a person is still known to have done once hits
    taken for a person's turned out machine-made (conferral.tracking.sequence): clicked,
    else opened, else delivered (a machine's open or click still proves the message
    arrived). Any other status was not moved by those hits and is left as it is."""
    if status not in READ:
        return EmailStatus(status)
    if clicked:
        return EmailStatus.CLICKED
    if opened:
        return EmailStatus.OPENED
    return EmailStatus.DELIVERED


def initial_email_status(email: str) -> EmailStatus:
    """A new recipient's email status."""
    return EmailStatus.NOT_SENT if email else EmailStatus.NOT_PROVIDED


def _values(group: frozenset[EmailStatus]) -> list[str]:
    """A group as plain strings in a fixed order (migrations compare the expression)."""
    return sorted(status.value for status in group)


STATUS_EXPRESSION = Case(
    When(claimed_at__isnull=False, then=Value(Status.CLAIMED.value)),
    When(email_status__in=_values(IN_FLIGHT), then=Value(Status.PENDING.value)),
    When(email_status__in=_values(DELIVERED), then=Value(Status.DELIVERED.value)),
    When(email_status=EmailStatus.BOUNCED.value, then=Value(Status.BOUNCED.value)),
    default=Value(Status.NOT_SENT.value),
)
"""The certificate status, as the database computes it for the `status` column."""
