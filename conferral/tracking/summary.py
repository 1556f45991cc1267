"""A few plain sentences on where a recipient stands on both status axes, and why they
can disagree ("Delivered" on the email axis, "Claimed" on the certificate axis)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conferral.certificates.models import Channel, Kind, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.tracking.explain import reply_text, when_text
from conferral.tracking.services import Network


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
                "time": when_text(recipient.next_attempt_at)
            }
        return _("The email is scheduled to be sent.")
    if status == EmailStatus.SENDING:
        if recipient.attempts and recipient.last_reply and recipient.next_attempt_at:
            return _("The server deferred the email (%(reply)s); next try at %(time)s.") % {
                "reply": reply_text(recipient.last_reply),
                "time": when_text(recipient.next_attempt_at),
            }
        return _("The email is being sent; it will soon be delivered or bounced.")
    if status == EmailStatus.BOUNCED:
        reply = reply_text(recipient.last_reply) or _("no reason given")
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
        return text % {"time": when_text(recipient.clicked_at)}
    if status == EmailStatus.OPENED:
        return _("The email was delivered and opened at %(time)s.") % {
            "time": when_text(recipient.opened_at)
        }
    text = _("The email was delivered at %(time)s; no open has been recorded.") % {
        "time": when_text(recipient.delivered_at)
    }
    if recipient.machine_opened_at:
        text += " " + _(
            "Only an automated open was recorded (an image proxy such as Apple's), which is "
            "not proof of reading."
        )
    return text


def _claim_summary(recipient: Recipient) -> str:
    when = when_text(recipient.claimed_at)
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
            % {"time": when_text(recipient.revoked_at), "reason": recipient.revoke_reason}
        )
    return " ".join(parts)
