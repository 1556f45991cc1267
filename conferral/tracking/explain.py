"""Plain words for what happened to a recipient: one sentence per event of its
timeline (the summary of both status axes is conferral.tracking.summary; what came
back after sending is worded in conferral.tracking.feedback_explain).

Each sentence reads the event's typed detail (conferral.certificates.event_details),
the same class its producer wrote, and the event's own `channel` and `machine` flag."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from conferral.certificates import event_details as details
from conferral.certificates.events import detail_of
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.tracking.engagement_explain import clicked_explain, opened_explain, viewed_explain
from conferral.tracking.feedback_explain import FEEDBACK_EXPLAINERS
from conferral.tracking.retention import pruned_before, retention_days
from conferral.tracking.services import DownloadFormat, Network
from conferral.tracking.wording import reply_text, when_text


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


def _untracked(event: Event) -> str:
    """What the organization does not track, said where an open or click would follow:
    its absence from the timeline then means nothing."""
    organization = event.certificate.organization
    if not organization.track_opens and not organization.track_clicks:
        return _("Opens and clicks are not tracked.")
    if not organization.track_opens:
        return _("Opens are not tracked.")
    if not organization.track_clicks:
        return _("Clicks are not tracked.")
    return ""


def _delivered(event: Event) -> str:
    reply = reply_text(details.EmailDelivered.from_json(event.detail).reply)
    if reply:
        accepted = _("Accepted by the recipient's mail server (%(reply)s).") % {"reply": reply}
    else:
        accepted = _("Accepted by the recipient's mail server.")
    untracked = _untracked(event)
    return f"{accepted} {untracked}" if untracked else accepted


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


def _claimed(event: Event) -> str:
    return _claim(event.channel)


def _downloaded(event: Event) -> str:
    fmt = details.CredentialDownloaded.from_json(event.detail).format
    if fmt == DownloadFormat.BADGE_JSON:
        return _("The Open Badges credential was downloaded (JSON).")
    if fmt in (DownloadFormat.BADGE_PNG, DownloadFormat.BADGE_SVG):
        # Translators: %(format)s is PNG or SVG.
        return _("The badge image with the credential baked in was downloaded (%(format)s).") % {
            "format": fmt.removeprefix("badge-").upper()
        }
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


def _erased(event: Event) -> str:
    by = details.CredentialErased.from_json(event.detail).by
    if by:
        return _(
            "Erased by %(by)s: the name, address and attributes were removed, and the "
            "credential's pages say it was erased."
        ) % {"by": by}
    return _(
        "Erased through the API: the name, address and attributes were removed, and the "
        "credential's pages say it was erased."
    )


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
    EventType.EMAIL_OPENED: _folding(opened_explain),
    EventType.EMAIL_CLICKED: clicked_explain,
    EventType.CREDENTIAL_VIEWED: _folding(viewed_explain),
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
    EventType.CREDENTIAL_ERASED: _erased,
    EventType.RECIPIENT_UPDATED: _updated,
    **FEEDBACK_EXPLAINERS,
}


def pruned_explain(recipient: Recipient) -> str:
    """The sentence that heads a timeline whose beginning was pruned
    (conferral.tracking.retention), or nothing when none of it was."""
    before = pruned_before(recipient)
    if before is None:
        return ""
    days = retention_days(recipient.certificate.organization)
    when = date_format(timezone.localtime(before), "DATE_FORMAT")
    if not days:
        return _("Events before %(date)s were removed.") % {"date": when}
    return ngettext(
        "Events before %(date)s were removed after %(days)s day, as this organization keeps them.",
        "Events before %(date)s were removed after %(days)s days, as this organization keeps them.",
        days,
    ) % {"date": when, "days": days}


def event_explain(event: Event) -> str:
    """One plain, translated sentence saying what the event means."""
    explainer = EXPLAINERS.get(event.type)
    if explainer is None:
        return str(event.type)
    return explainer(event)
