"""A recipient's timeline as tests read it, in the order the timeline shows it (time,
then id: an inferred open and its click share a time)."""

from __future__ import annotations

from conferral.certificates.models import Event, Recipient
from conferral.tracking.explain import event_explain


def _in_order(recipient: Recipient) -> list[Event]:
    return list(Event.objects.filter(recipient=recipient).order_by("at", "id"))


def timeline_events(recipient: Recipient) -> list[tuple[str, bool, dict[str, object]]]:
    """Each event's type, machine flag and detail."""
    return [(event.type, event.machine, event.detail) for event in _in_order(recipient)]


def timeline_sentences(recipient: Recipient) -> list[str]:
    """Each event's sentence."""
    return [event_explain(event) for event in _in_order(recipient)]
