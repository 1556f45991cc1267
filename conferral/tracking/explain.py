"""Plain words for what happened to a recipient: one sentence per event of its
timeline (the summary of both status axes is conferral.tracking.summary; what came
back after sending is worded in conferral.tracking.feedback_explain).

Each sentence reads the event's typed detail (conferral.certificates.event_details),
the same class its producer wrote, and the event's own `channel` and `machine` flag."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from conferral.certificates import event_details as details
from conferral.certificates.events import detail_of
from conferral.certificates.models import Channel, Event, EventType, Kind
from conferral.tracking.feedback_explain import FEEDBACK_EXPLAINERS
from conferral.tracking.machine import MachineReason, MachineSource
from conferral.tracking.services import Network
from conferral.tracking.wording import reply_text, when_text

# Sources named in a sentence as "the Google image proxy", "the Mimecast link scanner".
_NAMED_PROXIES = {
    MachineSource.GOOGLE_IMAGE_PROXY,
    MachineSource.YAHOO_MAIL_PROXY,
    MachineSource.OUTLOOK_IMAGE_PROXY,
}
_NAMED_SCANNERS = {
    MachineSource.PROOFPOINT,
    MachineSource.MIMECAST,
    MachineSource.BARRACUDA,
    MachineSource.SYMANTEC,
}


def _verdict(event: Event) -> details.MachineVerdict:
    detail = detail_of(event)
    return detail if isinstance(detail, details.MachineVerdict) else details.MachineVerdict()


def _machine_reason(event: Event) -> MachineReason | None:
    raw = _verdict(event).machine_reason
    return MachineReason(raw) if raw in MachineReason.values else None


def _too_soon(event: Event) -> bool:
    """Only the timing gave the hit away: nobody is known to have made it."""
    return _machine_reason(event) == MachineReason.TOO_SOON


def _machine_who(event: Event) -> str:
    """Who most likely made a machine-flagged hit, as a noun phrase that completes
    "… by %(who)s", from the `machine_reason` and `machine_source` detail keys written
    by conferral.tracking.machine. (A too-soon hit names nobody: see `_too_soon`.)"""
    reason = _machine_reason(event)
    raw = _verdict(event).machine_source
    source = MachineSource(raw) if raw in MachineSource.values else None
    if reason is None or reason == MachineReason.TOO_SOON:
        return _("an automated client")
    if reason == MachineReason.APPLE_PRIVACY:
        return _("Apple's image proxy (Mail Privacy Protection)")
    if reason == MachineReason.IMAGE_PROXY and source in _NAMED_PROXIES:
        # Translators: completes "Open recorded by …"; %(source)s is an image proxy's
        # name, such as "Google image proxy".
        return _("the %(source)s") % {"source": source.label}
    if reason == MachineReason.LINK_SCANNER and source == MachineSource.MICROSOFT:
        return _("Microsoft's link scanner (Safe Links)")
    if reason == MachineReason.LINK_SCANNER and source in _NAMED_SCANNERS:
        # Translators: completes "Link followed by …"; %(source)s is a company name.
        return _("the %(source)s link scanner") % {"source": source.label}
    return str(reason.label)


def _claim(channel: str) -> str:
    if channel == Channel.EMAIL:
        return _("Claimed through the link in our email.")
    if channel == Channel.API:
        return _(
            "Claimed through a link handed out by the API or an integration — "
            "no email click expected."
        )
    if channel == Channel.TOKEN:
        return _("Claimed by typing the token into the claim page — no email click expected.")
    return _("Claimed through a link copied from the dashboard — no email click expected.")


def _reached(channel: str) -> str:
    if channel == Channel.EMAIL:
        return _("Recipient page viewed through the link in our email.")
    if channel == Channel.API:
        return _("Recipient page viewed through a link handed out by the API or an integration.")
    if channel == Channel.TOKEN:
        return _("Recipient page viewed after typing the token into the claim page.")
    if channel == Channel.ADMIN:
        return _("Recipient page viewed through a link copied from the dashboard.")
    return _("Recipient page viewed.")


def _queued(event: Event) -> str:
    detail = details.EmailQueued.from_json(event.detail)
    if detail.reminder:
        return _("Reminder queued (the credential is not claimed yet).")
    if detail.scheduled_for is not None:
        when = when_text(detail.scheduled_for, event.at)
        if detail.resend:
            return _("Scheduled to be sent again at %(time)s (a resend).") % {"time": when}
        return _("Scheduled to be sent at %(time)s.") % {"time": when}
    if detail.resend:
        return _("Queued to be sent again (a resend).")
    return _("Queued for sending.")


def _sent(event: Event) -> str:
    attempt = details.EmailSent.from_json(event.detail).attempt
    if attempt > 1:
        return _("Handed to the mail server (attempt %(attempt)s).") % {"attempt": attempt}
    return _("Handed to the mail server.")


def _delivered(event: Event) -> str:
    reply = reply_text(details.EmailDelivered.from_json(event.detail).reply)
    if reply:
        return _("Accepted by the recipient's mail server (%(reply)s).") % {"reply": reply}
    return _("Accepted by the recipient's mail server.")


def _deferred(event: Event) -> str:
    detail = details.EmailDeferred.from_json(event.detail)
    reply = reply_text(detail.reply, detail.code) or _("no reply")
    attempt = detail.attempt
    # Retries in all: every try but the first (rows written before `max_attempts` was
    # recorded fall back to the current setting).
    total = detail.max_attempts - 1 if detail.max_attempts else len(settings.SEND_RETRY_DELAYS)
    when = when_text(detail.retry_at, event.at)
    if attempt and total and when:
        return _(
            "Deferred by the server (%(reply)s); retry %(attempt)s of %(total)s at %(time)s."
        ) % {
            "reply": reply,
            "attempt": attempt,
            "total": total,
            "time": when,
        }
    if when:
        return _("Deferred by the server (%(reply)s); next try at %(time)s.") % {
            "reply": reply,
            "time": when,
        }
    return _("Deferred by the server (%(reply)s); it will be retried.") % {"reply": reply}


def _is_badge(event: Event) -> bool:
    return event.certificate.kind == Kind.BADGE


def _opened(event: Event) -> str:
    if event.machine and _too_soon(event):
        return _(
            "Open recorded within seconds of delivery, faster than a person reads: most "
            "likely by an automated client (not proof of reading)."
        )
    if event.machine:
        return _("Open recorded by %(who)s (not proof of reading).") % {"who": _machine_who(event)}
    if details.EmailOpened.from_json(event.detail).inferred:
        return _("Open inferred from a click on the email's link (its images were not loaded).")
    return _("Opened: the email's tracking image was loaded.")


def _clicked(event: Event) -> str:
    if event.machine and _too_soon(event):
        return _(
            "Link followed within seconds of delivery, faster than a person reads: most "
            "likely by an automated client, not by a person."
        )
    if event.machine:
        return _("Link followed by %(who)s, not by a person.") % {"who": _machine_who(event)}
    if _is_badge(event):
        return _("Clicked the “Get badge” link in the email.")
    return _("Clicked the “Get certificate” link in the email.")


def _viewed(event: Event) -> str:
    if event.machine and _too_soon(event):
        return _(
            "Recipient page fetched within seconds of delivery, faster than a person "
            "reads: most likely by an automated client, not by a person."
        )
    if event.machine:
        return _("Recipient page fetched by %(who)s, not by a person.") % {
            "who": _machine_who(event)
        }
    return _reached(event.channel)


def _claimed(event: Event) -> str:
    return _claim(event.channel)


def _downloaded(event: Event) -> str:
    fmt = details.CredentialDownloaded.from_json(event.detail).format
    if fmt:
        return _("Downloaded as %(format)s.") % {"format": fmt.upper()}
    return _("Downloaded.")


def _shared(event: Event) -> str:
    network = details.CredentialShared.from_json(event.detail).network
    if network:
        name = Network(network).label if network in Network.values else network
        return _("Shared on %(network)s with the recipient page's button.") % {"network": name}
    return _("Shared with the recipient page's button.")


def _revoked(event: Event) -> str:
    reason = details.CredentialRevoked.from_json(event.detail).reason.strip()
    if reason:
        return _("Revoked by the issuer: %(reason)s") % {"reason": reason}
    return _("Revoked by the issuer.")


def _updated(event: Event) -> str:
    detail = details.RecipientUpdated.from_json(event.detail)
    if detail.old_email and detail.new_email:
        return _("Email address changed from %(old)s to %(new)s.") % {
            "old": detail.old_email,
            "new": detail.new_email,
        }
    if detail.new_email:
        return _("Email address added: %(new)s.") % {"new": detail.new_email}
    if detail.old_email:
        return _("Email address %(old)s removed.") % {"old": detail.old_email}
    return _("The recipient's details were changed.")


def _repeats(event: Event) -> str:
    """How many hits from one client were folded into the event (see
    conferral.certificates.events.event_fold), or nothing for a single hit. The client
    is known by its network address only, so the sentence says no more than that."""
    detail = detail_of(event)
    if not isinstance(detail, details.Foldable) or detail.count < 2 or detail.last_at is None:
        return ""
    return ngettext(
        "It happened %(count)s time between %(first)s and %(last)s from the same network address.",
        "It happened %(count)s times between %(first)s and %(last)s from the same network address.",
        detail.count,
    ) % {
        "count": detail.count,
        "first": when_text(event.at, detail.last_at),
        "last": when_text(detail.last_at, event.at),
    }


def _folding(explainer: Callable[[Event], str]) -> Callable[[Event], str]:
    """The explainer of a foldable event, followed by how often it happened."""

    def explain(event: Event) -> str:
        repeats = _repeats(event)
        return f"{explainer(event)} {repeats}" if repeats else explainer(event)

    return explain


def _fixed(message: str) -> Callable[[Event], str]:
    """An explainer for an event whose sentence never varies; `message` is marked with
    gettext_noop and translated when the sentence is asked for."""
    return lambda _event: _(message)


EXPLAINERS: dict[str, Callable[[Event], str]] = {
    EventType.EMAIL_QUEUED: _queued,
    EventType.EMAIL_CANCELLED: _fixed(
        gettext_noop("The scheduled email was cancelled before it went out.")
    ),
    EventType.EMAIL_SENT: _sent,
    EventType.EMAIL_DELIVERED: _delivered,
    EventType.EMAIL_DEFERRED: _deferred,
    EventType.EMAIL_OPENED: _folding(_opened),
    EventType.EMAIL_CLICKED: _clicked,
    EventType.CREDENTIAL_VIEWED: _folding(_viewed),
    EventType.CREDENTIAL_CLAIMED: _claimed,
    EventType.CREDENTIAL_DOWNLOADED: _downloaded,
    EventType.CREDENTIAL_SHARED: _shared,
    EventType.CREDENTIAL_LINKEDIN_ADDED: _fixed(
        gettext_noop("Added to the recipient's LinkedIn profile.")
    ),
    EventType.CREDENTIAL_VERIFIED: _folding(
        _fixed(gettext_noop("The credential's verification page was visited."))
    ),
    EventType.CREDENTIAL_REVOKED: _revoked,
    EventType.CREDENTIAL_REISSUED: _fixed(gettext_noop("The credential was reissued.")),
    EventType.RECIPIENT_UPDATED: _updated,
    **FEEDBACK_EXPLAINERS,
}


def event_explain(event: Event) -> str:
    """One plain, translated sentence saying what the event means."""
    explainer = EXPLAINERS.get(event.type)
    if explainer is None:
        return str(event.type)
    return explainer(event)
