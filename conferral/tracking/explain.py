"""Plain words for what happened to a recipient: one sentence per event, and a summary
of the recipient's two status axes (seed 000: why "Delivered" and "Claimed" at once).

The sentences read the event's `detail` keys written by conferral.delivery (`reply`,
the server's answer; `code`; `attempt`, `attempts` and `retry_at` of a deferral; `kind`,
hard or soft, of a bounce; `scheduled_for` and `resend` of a queued send) and by
conferral.tracking (`machine_reason` and `machine_source` of a machine-made hit,
`inferred` for an open implied by a click, `format`, `network`), the revocation's
`reason`, and the event's own `channel` and `machine` flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from conferral.certificates.models import BounceKind, Channel, EmailStatus, Kind, Recipient
from conferral.tracking.engagement import Network
from conferral.tracking.machine import MachineReason, MachineSource
from conferral.tracking.models import Event, EventType

REPLY_MAX = 300
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


def _when(value: Any, same_day_as: dt.datetime | None = None) -> str:
    """A time for a sentence: "14:10" on the same day, a short date and time otherwise."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        return ""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    local = timezone.localtime(moment)
    if same_day_as is not None and timezone.localtime(same_day_as).date() == local.date():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _reply(detail: dict[str, Any]) -> str:
    reply = " ".join(str(detail.get("reply") or detail.get("reason") or "").split())
    if not reply and detail.get("code"):
        reply = str(detail["code"])
    if len(reply) > REPLY_MAX:
        reply = reply[: REPLY_MAX - 1] + "…"
    return reply


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _machine_reason(event: Event) -> MachineReason | None:
    raw = str(event.detail.get("machine_reason") or "")
    return MachineReason(raw) if raw in MachineReason.values else None


def _too_soon(event: Event) -> bool:
    """Only the timing gave the hit away: nobody is known to have made it."""
    return _machine_reason(event) == MachineReason.TOO_SOON


def _machine_who(event: Event) -> str:
    """Who most likely made a machine-flagged hit, as a noun phrase that completes
    "… by %(who)s", from the `machine_reason` and `machine_source` detail keys written
    by conferral.tracking.machine. (A too-soon hit names nobody: see `_too_soon`.)"""
    reason = _machine_reason(event)
    raw = str(event.detail.get("machine_source") or "")
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
    if event.detail.get("resend"):
        return _("Queued to be sent again (a resend).")
    scheduled = event.detail.get("scheduled_for")
    if scheduled:
        return _("Scheduled to be sent at %(time)s.") % {"time": _when(scheduled, event.at)}
    return _("Queued for sending.")


def _sent(event: Event) -> str:
    attempt = _int(event.detail.get("attempt"))
    if attempt and attempt > 1:
        return _("Handed to the mail server (attempt %(attempt)s).") % {"attempt": attempt}
    return _("Handed to the mail server.")


def _delivered(event: Event) -> str:
    reply = _reply(event.detail)
    if reply:
        return _("Accepted by the recipient's mail server (%(reply)s).") % {"reply": reply}
    return _("Accepted by the recipient's mail server.")


def _deferred(event: Event) -> str:
    reply = _reply(event.detail) or _("no reply")
    attempt = _int(event.detail.get("attempt"))
    total = _int(event.detail.get("max_attempts")) or len(settings.SEND_RETRY_DELAYS)
    when = _when(event.detail.get("retry_at"), event.at)
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


def _bounced(event: Event) -> str:
    reply = _reply(event.detail) or _("no reason given")
    if event.detail.get("kind") == BounceKind.SOFT:
        return _("Bounced: the server kept deferring it and the retries ran out (%(reply)s).") % {
            "reply": reply
        }
    return _("Bounced permanently: %(reply)s.") % {"reply": reply.rstrip(".")}


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
    if event.detail.get("inferred"):
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
    fmt = str(event.detail.get("format") or "")
    if fmt:
        return _("Downloaded as %(format)s.") % {"format": fmt.upper()}
    return _("Downloaded.")


def _shared(event: Event) -> str:
    network = str(event.detail.get("network") or "")
    if network:
        name = Network(network).label if network in Network.values else network
        return _("Shared on %(network)s with the recipient page's button.") % {"network": name}
    return _("Shared with the recipient page's button.")


def _revoked(event: Event) -> str:
    reason = str(event.detail.get("reason") or "").strip()
    if reason:
        return _("Revoked by the issuer: %(reason)s") % {"reason": reason}
    return _("Revoked by the issuer.")


def _fixed(message: str) -> Callable[[Event], str]:
    """An explainer for an event whose sentence never varies; `message` is marked with
    gettext_noop and translated when the sentence is asked for."""
    return lambda _event: _(message)


EXPLAINERS: dict[str, Callable[[Event], str]] = {
    EventType.EMAIL_QUEUED: _queued,
    EventType.EMAIL_SENT: _sent,
    EventType.EMAIL_DELIVERED: _delivered,
    EventType.EMAIL_DEFERRED: _deferred,
    EventType.EMAIL_BOUNCED: _bounced,
    EventType.EMAIL_OPENED: _opened,
    EventType.EMAIL_CLICKED: _clicked,
    EventType.EMAIL_COMPLAINED: _fixed(gettext_noop("The recipient marked the email as spam.")),
    EventType.CREDENTIAL_VIEWED: _viewed,
    EventType.CREDENTIAL_CLAIMED: _claimed,
    EventType.CREDENTIAL_DOWNLOADED: _downloaded,
    EventType.CREDENTIAL_SHARED: _shared,
    EventType.CREDENTIAL_LINKEDIN_ADDED: _fixed(
        gettext_noop("Added to the recipient's LinkedIn profile.")
    ),
    EventType.CREDENTIAL_VERIFIED: _fixed(
        gettext_noop("The credential's verification page was visited.")
    ),
    EventType.CREDENTIAL_REVOKED: _revoked,
    EventType.CREDENTIAL_REISSUED: _fixed(gettext_noop("The credential was reissued.")),
}


def event_explain(event: Event) -> str:
    """One plain, translated sentence saying what the event means."""
    explainer = EXPLAINERS.get(event.type)
    if explainer is None:
        return str(event.type)
    return explainer(event)


def _email_summary(recipient: Recipient) -> str:
    status = recipient.email_status
    if status == EmailStatus.NOT_PROVIDED:
        return _(
            "No email address, so nothing is emailed: hand out the recipient link or the "
            "token yourself."
        )
    if status == EmailStatus.NOT_SENT:
        return _("The email has not been sent yet.")
    if status == EmailStatus.SCHEDULED:
        if recipient.next_attempt_at:
            return _("The email is scheduled to be sent at %(time)s.") % {
                "time": _when(recipient.next_attempt_at)
            }
        return _("The email is scheduled to be sent.")
    if status == EmailStatus.SENDING:
        if recipient.attempts and recipient.last_reply and recipient.next_attempt_at:
            return _("The server deferred the email (%(reply)s); next try at %(time)s.") % {
                "reply": _reply({"reply": recipient.last_reply}),
                "time": _when(recipient.next_attempt_at),
            }
        return _("The email is being sent; it will soon be delivered or bounced.")
    if status == EmailStatus.BOUNCED:
        reply = _reply({"reply": recipient.last_reply}) or _("no reason given")
        if recipient.bounce_kind == BounceKind.SOFT:
            return _(
                "The email bounced after the server kept deferring it (%(reply)s). "
                "Ask the recipient's IT to allow our sender, then resend."
            ) % {"reply": reply}
        return _(
            "The email bounced (%(reply)s). Check the address for typos, fix it and send again."
        ) % {"reply": reply}
    if status == EmailStatus.CLICKED:
        if recipient.certificate.kind == Kind.BADGE:
            text = _("The email was delivered and its “Get badge” link clicked at %(time)s.")
        else:
            text = _("The email was delivered and its “Get certificate” link clicked at %(time)s.")
        return text % {"time": _when(recipient.clicked_at)}
    if status == EmailStatus.OPENED:
        return _("The email was delivered and opened at %(time)s.") % {
            "time": _when(recipient.opened_at)
        }
    text = _("The email was delivered at %(time)s; no open has been recorded.") % {
        "time": _when(recipient.delivered_at)
    }
    if recipient.machine_opened_at:
        text += " " + _(
            "Only an automated open was recorded (an image proxy such as Apple's), which is "
            "not proof of reading."
        )
    return text


def _claim_summary(recipient: Recipient) -> str:
    when = _when(recipient.claimed_at)
    channel = recipient.claim_channel
    if channel == Channel.EMAIL:
        if recipient.opened_at is None and recipient.clicked_at is None:
            return _(
                "Claimed at %(time)s through the link in our email. No open or click was "
                "recorded: the email client most likely blocks images, so the tracking pixel "
                "never loaded."
            ) % {"time": when}
        return _("Claimed at %(time)s through the link in our email.") % {"time": when}
    if channel == Channel.API:
        text = _(
            "Claimed at %(time)s through a link handed out by the API or an integration, so "
            "no email open or click was needed."
        )
    elif channel == Channel.TOKEN:
        text = _(
            "Claimed at %(time)s by typing the token into the claim page, so no email open "
            "or click was needed."
        )
    else:
        text = _(
            "Claimed at %(time)s through a link copied from the dashboard (or the "
            "dashboard's recipient view), so no email open or click was needed."
        )
    return text % {"time": when}


def recipient_summary(recipient: Recipient) -> str:
    """A few plain sentences on where the recipient stands on both axes, and why they
    can disagree: e.g. "Delivered" on the email axis but "Claimed" on the certificate
    axis when the credential was claimed through a link copied from the dashboard, the
    API or a typed token, or when images were blocked so no open was recorded."""
    parts = [_email_summary(recipient)]
    if recipient.claimed_at is not None:
        parts.append(_claim_summary(recipient))
        if recipient.email_status != EmailStatus.CLICKED:
            parts.append(
                _(
                    "That is why the certificate status is “Claimed” while the email status "
                    "is “%(email_status)s”."
                )
                % {"email_status": EmailStatus(recipient.email_status).label}
            )
    else:
        parts.append(_("The credential has not been claimed yet."))
    if recipient.downloaded_at is not None:
        parts.append(_("The credential was downloaded."))
    networks = [
        str(Network(n).label) if n in Network.values else str(n) for n in recipient.shared or []
    ]
    if networks:
        parts.append(_("Shared on %(networks)s.") % {"networks": ", ".join(networks)})
    if recipient.linkedin_added_at is not None:
        parts.append(_("Added to the LinkedIn profile."))
    if recipient.revoked_at is not None:
        parts.append(
            _("Revoked at %(time)s: %(reason)s")
            % {"time": _when(recipient.revoked_at), "reason": recipient.revoke_reason}
        )
    return " ".join(parts)
