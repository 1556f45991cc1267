"""What a provider's bounce means for the recipient: hard (suppress the address), soft
or blocked, with the status code and explanation the timeline shows.

django-anymail's `reject_reason` decides where it is specific. Where it is not (plain
`bounced`, `other` or none), the provider's own word for it (soft, blocked) wins, and otherwise the
remote server's reply is read by the same classifier as a DSN's (conferral.bounces)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conferral.certificates.status import BounceKind, bounce_kind
from conferral.core.refusals import ReportKind, classify, reply_code
from conferral.providers.raw import raw_field

_BY_REASON = {
    "invalid": BounceKind.HARD,
    "blocked": BounceKind.BLOCKED,
    "spam": BounceKind.BLOCKED,
    "timed_out": BounceKind.SOFT,
}


# Providers that tell soft from hard (or blocked) themselves where django-anymail
# reports a plain bounce: their word is taken.
_PROVIDER_KIND: dict[str, Callable[[Any], BounceKind | None]] = {
    "Amazon SES": lambda raw: (
        BounceKind.SOFT
        if raw_field(raw, "bounce", "bounceType") in {"Transient", "Undetermined"}
        else None
    ),
    "Brevo": lambda raw: BounceKind.SOFT if raw_field(raw, "event") == "soft_bounce" else None,
    "Postmark": lambda raw: BounceKind.SOFT if raw_field(raw, "Type") == "SoftBounce" else None,
    "SendGrid": lambda raw: BounceKind.BLOCKED if raw_field(raw, "type") == "blocked" else None,
}


@dataclass(frozen=True, slots=True)
class ProviderBounce:
    kind: BounceKind
    code: int | None  # the SMTP reply code in the provider's words, if any
    status: str  # the enhanced status code, e.g. "5.1.1", or ""
    explanation: str
    reply: str  # the remote server's words, else the provider's description


def provider_reply(event: Any) -> str:
    """What the receiving server said, as the provider passes it on (else the
    provider's own description), on one line."""
    text = str(event.mta_response or event.description or "")
    # Several providers prefix the DSN's diagnostic type: "smtp; 550 5.1.1 ...".
    head, sep, rest = text.partition(";")
    return " ".join((rest if sep and head.strip().lower() == "smtp" else text).split())


def provider_bounce(esp_name: str, event: Any) -> ProviderBounce:
    """`event` is a bounced, rejected or failed anymail.signals.AnymailTrackingEvent."""
    reply = provider_reply(event)
    code = reply_code(reply)
    found = classify(code, reply)
    told = _PROVIDER_KIND.get(esp_name, lambda raw: None)(event.esp_event)
    if event.reject_reason in _BY_REASON:
        kind = _BY_REASON[event.reject_reason]
    elif told is not None:
        kind = told
    elif found.kind == ReportKind.UNKNOWN and event.event_type != "bounced":
        # Refused by the provider itself (its policy, a failure of its own), not by
        # the recipient's server: nothing says the address is bad.
        kind = BounceKind.BLOCKED if event.event_type == "rejected" else BounceKind.SOFT
    else:
        kind = bounce_kind(found.kind)
    return ProviderBounce(
        kind=kind, code=code, status=found.status, explanation=found.explanation, reply=reply
    )
