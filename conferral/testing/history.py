"""The recipient's status columns as a pure fold of its event log: the oracle the
property tests hold the services to. The email status follows the status machine's
own table (conferral.certificates.status); every other column is a fact that the event
log states once ("first open", "first claim") and is written here from the events
alone, independently of how the services write it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from conferral.certificates import event_details as details
from conferral.certificates.events import detail_of
from conferral.certificates.models import Event, EventType
from conferral.certificates.status import EmailStatus, Step, initial_email_status, transition


@dataclass
class FoldedState:
    email_status: EmailStatus
    bounce_kind: str = ""
    first_sent_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    machine_opened_at: dt.datetime | None = None
    clicked_at: dt.datetime | None = None
    bounced_at: dt.datetime | None = None
    sends: int = 0
    claimed_at: dt.datetime | None = None
    claim_channel: str = ""
    viewed_at: dt.datetime | None = None
    downloaded_at: dt.datetime | None = None
    shared: list[str] = field(default_factory=list)
    linkedin_added_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    def step(self, step: Step) -> bool:
        """Apply a step of the status machine; True if it moved the status."""
        before = self.email_status
        self.email_status = transition(step).apply(before)
        return self.email_status != before


def _first(current: dt.datetime | None, at: dt.datetime) -> dt.datetime:
    return current if current is not None else at


def fold(events: Iterable[Event], *, created_with_email: bool) -> FoldedState:
    """The state a recipient created with (or without) an address is in after `events`
    (oldest first)."""
    state = FoldedState(email_status=initial_email_status("x" if created_with_email else ""))
    for event in events:
        detail = detail_of(event)
        at = event.at
        match event.type:
            case EventType.EMAIL_QUEUED:
                assert isinstance(detail, details.EmailQueued)
                state.step(Step.SCHEDULE if detail.scheduled_for else Step.QUEUE)
                state.bounce_kind = ""
            case EventType.EMAIL_CANCELLED:
                state.step(Step.CANCEL)
            case EventType.EMAIL_SENT:
                state.first_sent_at = _first(state.first_sent_at, at)
                state.sends += 1
            case EventType.EMAIL_DELIVERED:
                state.step(Step.DELIVER)
                state.delivered_at = at
                state.bounce_kind = ""
            case EventType.EMAIL_DEFERRED:
                state.step(Step.DEFER)
            case EventType.EMAIL_BOUNCED:
                assert isinstance(detail, details.EmailBounced)
                if state.step(Step.BOUNCE) or not detail.late:
                    state.bounce_kind = detail.kind
                    state.bounced_at = at
            case EventType.EMAIL_OPENED if event.machine:
                state.machine_opened_at = _first(state.machine_opened_at, at)
            case EventType.EMAIL_OPENED:
                state.opened_at = _first(state.opened_at, at)
                state.step(Step.OPEN)
            case EventType.EMAIL_CLICKED if not event.machine:
                state.clicked_at = _first(state.clicked_at, at)
                state.step(Step.CLICK)
            case EventType.EMAIL_COMPLAINED:
                state.step(Step.COMPLAIN)
            case EventType.CREDENTIAL_VIEWED if not event.machine:
                state.viewed_at = _first(state.viewed_at, at)
            case EventType.CREDENTIAL_CLAIMED:
                state.claimed_at, state.claim_channel = at, event.channel
            case EventType.CREDENTIAL_DOWNLOADED if not event.machine:
                state.downloaded_at = _first(state.downloaded_at, at)
            case EventType.CREDENTIAL_SHARED:
                assert isinstance(detail, details.CredentialShared)
                if detail.network not in state.shared:
                    state.shared.append(detail.network)
            case EventType.CREDENTIAL_LINKEDIN_ADDED:
                state.linkedin_added_at = _first(state.linkedin_added_at, at)
            case EventType.CREDENTIAL_REVOKED:
                state.revoked_at = at
            case EventType.RECIPIENT_UPDATED:
                assert isinstance(detail, details.RecipientUpdated)
                if "email" in detail.fields:
                    moved = state.step(
                        Step.ADDRESS_ADD if detail.new_email else Step.ADDRESS_REMOVE
                    )
                    if moved:
                        state.bounce_kind = ""
    return state
