"""A few plain sentences on where a recipient stands on both status axes, and why they
can disagree ("Delivered" on the email axis, "Claimed" on the certificate axis); and,
when the email did not get through, what to do about it (`Advice`), each piece of
advice naming the dashboard action that carries it out (`Remedy`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.certificates import event_details as details
from conferral.certificates.models import Channel, Kind, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.tracking.feedback_explain import bounce_reading, is_complaint
from conferral.tracking.services import Network
from conferral.tracking.wording import reply_text, when_text


class Remedy(StrEnum):
    """What a piece of advice asks the issuer to do; the recipient page links each to
    the part of the page (or the button) that does it."""

    FIX_ADDRESS = "fix_address"  # correct the address and send again
    ALLOWLIST = "allowlist"  # the recipient's IT allows our sending address
    SENDING_DOMAIN = "sending_domain"  # send from the organization's own domain
    RETRY_LATER = "retry_later"  # send again later
    SEND_ANYWAY = "send_anyway"  # lift the suppression entry and send
    DOWNLOAD = "download"  # download the PDF and send it yourself
    HAND_OUT = "hand_out"  # send the recipient link and the token by hand


@dataclass(frozen=True)
class Advice:
    remedy: Remedy
    text: str


@dataclass(frozen=True)
class Explanation:
    """`situation`: what happened, on both axes; `advice`: what to do about it."""

    situation: str
    advice: list[Advice] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join([self.situation, *(piece.text for piece in self.advice)])


def _fallbacks() -> list[Advice]:
    return [
        Advice(Remedy.DOWNLOAD, _("Or download the PDF and send it yourself.")),
        Advice(Remedy.HAND_OUT, _("Or send the recipient link and the token by hand.")),
    ]


def _bounce_situation(recipient: Recipient, bounce: details.EmailBounced) -> str:
    reading = bounce_reading(bounce)
    reply = reply_text(bounce.reply or recipient.last_reply, bounce.code) or _("no reason given")
    if bounce.late and bounce.accepted_at is not None:
        text = _(
            "The recipient's server accepted the email at %(accepted)s, then refused it "
            "later (%(reply)s)."
        ) % {"accepted": when_text(bounce.accepted_at), "reply": reply}
    elif reading.kind == BounceKind.SOFT and recipient.attempts > 1:
        text = _(
            "The email bounced: the recipient's server kept refusing it for now (%(reply)s), "
            "and we gave up after %(attempts)s tries."
        ) % {"reply": reply, "attempts": recipient.attempts}
    elif reading.kind == BounceKind.SOFT:
        text = _(
            "The email bounced: the recipient's server kept refusing it for now (%(reply)s)."
        ) % {"reply": reply}
    elif reading.kind == BounceKind.BLOCKED and reading.explanation:
        text = _("The recipient's mail server refused the email (%(reply)s).") % {"reply": reply}
    elif reading.kind == BounceKind.BLOCKED:
        text = _(
            "The recipient's mail server refused the email by its policy (%(reply)s): the "
            "address is most likely fine, but their IT or spam filter turns away mail from "
            "senders it does not know."
        ) % {"reply": reply}
    else:
        text = _("The email bounced for good (%(reply)s).") % {"reply": reply}
    return f"{text} {reading.explanation}".rstrip()


def _allowlist(sender: str) -> Advice:
    if not sender:
        text = _("Ask the recipient's IT to allowlist our sending address, then send again.")
    else:
        text = _(
            "Ask the recipient's IT to allowlist our sending address %(sender)s (or its "
            "domain %(domain)s), then send the email again."
        ) % {"sender": sender, "domain": sender.rpartition("@")[2]}
    return Advice(Remedy.ALLOWLIST, text)


def _bounce_advice(bounce: details.EmailBounced, sender: str) -> list[Advice]:
    kind = bounce_reading(bounce).kind
    if kind == BounceKind.BLOCKED:
        return [
            _allowlist(sender),
            Advice(
                Remedy.SENDING_DOMAIN,
                _("Or set up a custom sending domain, so the email comes from your own domain."),
            ),
        ]
    if kind == BounceKind.SOFT:
        return [
            Advice(
                Remedy.RETRY_LATER,
                _("Try again later: send the email again in a day or so."),
            )
        ]
    return [
        Advice(
            Remedy.FIX_ADDRESS,
            _(
                "Check the address for a typo (the part after the @ too), correct it and "
                "send again."
            ),
        )
    ]


def _suppression_text(suppressed: details.EmailSuppressed) -> str:
    when = {"time": when_text(suppressed.since)}
    if is_complaint(suppressed):
        return (
            _(
                "The address is on the suppression list since %(time)s (its owner marked an "
                "email from us as spam): every send skips it."
            )
            % when
        )
    return (
        _(
            "The address is on the suppression list since %(time)s (it bounced for good): "
            "every send skips it."
        )
        % when
    )


def _email_summary(recipient: Recipient, bounce: details.EmailBounced | None) -> str:
    status = recipient.email_status
    if status == EmailStatus.BOUNCED:
        return _bounce_situation(recipient, bounce or _bounce_of_columns(recipient))
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
    if status == EmailStatus.COMPLAINED:
        return _("The recipient marked the email as spam: nothing more is emailed to this address.")
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
    if not recipient.certificate.organization.track_opens:
        return _("The email was delivered at %(time)s; opens are not tracked.") % {
            "time": when_text(recipient.delivered_at)
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


def _untracked_claim(organization: Organization) -> str:
    """A claim through the email's link when the organization does not track all of
    it: no open or click was recorded because none could be, not because of images."""
    if not organization.track_opens and not organization.track_clicks:
        return _(
            "Claimed at %(time)s through the link in our email. Opens and clicks are not "
            "tracked for this organization."
        )
    if not organization.track_opens:
        return _(
            "Claimed at %(time)s through the link in our email. Opens are not tracked for "
            "this organization."
        )
    return _(
        "Claimed at %(time)s through the link in our email. Clicks are not tracked for "
        "this organization."
    )


def _claim_summary(recipient: Recipient) -> str:
    when = when_text(recipient.claimed_at)
    channel = recipient.claim_channel
    if channel == Channel.EMAIL:
        organization = recipient.certificate.organization
        if not (organization.track_opens and organization.track_clicks):
            return _untracked_claim(organization) % {"time": when}
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


def _bounce_of_columns(recipient: Recipient) -> details.EmailBounced:
    """The bounce as the recipient's own columns tell it (no event read)."""
    return details.EmailBounced(
        reply=recipient.last_reply, code=None, kind=recipient.bounce_kind or BounceKind.HARD
    )


def _advice(
    recipient: Recipient,
    bounce: details.EmailBounced | None,
    suppressed: details.EmailSuppressed | None,
    sender: str,
) -> list[Advice]:
    if recipient.revoked_at is not None or not recipient.email:
        return []
    status = recipient.email_status
    if status == EmailStatus.COMPLAINED:
        if recipient.claimed_at is not None:
            return []
        return [
            Advice(
                Remedy.HAND_OUT,
                _(
                    "If they still need the credential, send them the recipient link and "
                    "the token by hand."
                ),
            )
        ]
    advice: list[Advice] = []
    if status == EmailStatus.BOUNCED:
        advice += _bounce_advice(bounce or _bounce_of_columns(recipient), sender)
    if suppressed is not None:
        if not any(piece.remedy == Remedy.FIX_ADDRESS for piece in advice):
            advice.append(
                Advice(Remedy.FIX_ADDRESS, _("Correct the address, then send the email."))
            )
        if is_complaint(suppressed):
            anyway = _("Use “Send anyway” only if they asked for the email: it lifts the entry.")
        else:
            anyway = _("If you know the address works now, use “Send anyway”: it lifts the entry.")
        advice.append(Advice(Remedy.SEND_ANYWAY, anyway))
    if advice:
        advice += _fallbacks()
    return advice


def recipient_explain(
    recipient: Recipient,
    *,
    bounce: details.EmailBounced | None = None,
    suppressed: details.EmailSuppressed | None = None,
    sender: str = "",
) -> Explanation:
    """Where the recipient stands on both axes, and why they can disagree: e.g.
    "Delivered" on the email axis but "Claimed" on the certificate axis when the
    credential was claimed through a link copied from the dashboard, the API or a typed
    token, or when images were blocked so no open was recorded. With the last bounce
    (`bounce`: a late one says when the message had been accepted), the address's
    suppression entry (`suppressed`) and the address our email went out from
    (`sender`), the advice is complete (conferral.delivery.advice reads them); without
    them it comes from the recipient's own columns, so a list of recipients reads no
    other table."""
    parts = [_email_summary(recipient, bounce)]
    if suppressed is not None:
        parts.append(_suppression_text(suppressed))
    if recipient.unsubscribed_at is not None:
        parts.append(
            _("They unsubscribed from reminders at %(time)s: no reminder is sent.")
            % {"time": when_text(recipient.unsubscribed_at)}
        )
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
    return Explanation(" ".join(parts), _advice(recipient, bounce, suppressed, sender))


def recipient_summary(recipient: Recipient) -> str:
    """`recipient_explain` as one paragraph, from the recipient's own columns."""
    return recipient_explain(recipient).text
