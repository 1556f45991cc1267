"""Plain words for a recipient's opens, clicks and page views: whether a person or a
machine made them, and which machine (conferral.tracking.machine and
conferral.tracking.sequence give the verdict; conferral.tracking.explain the rest of
the timeline)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from conferral.certificates import event_details as details
from conferral.certificates.events import detail_of
from conferral.certificates.models import Channel, Event, Kind
from conferral.tracking.machine import MachineReason, MachineSource

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
    MachineSource.TREND_MICRO,
    MachineSource.CISCO,
    MachineSource.SOPHOS,
    MachineSource.FORTINET,
    MachineSource.PALO_ALTO,
    MachineSource.FORCEPOINT,
    MachineSource.SEZNAM,
    MachineSource.UKR_NET,
}
# … as "the Slack link preview"; and the companies named as "a program of Google".
_NAMED_PREVIEWS = {
    MachineSource.BING,
    MachineSource.SLACK,
    MachineSource.TEAMS,
    MachineSource.WHATSAPP,
    MachineSource.TELEGRAM,
    MachineSource.DISCORD,
    MachineSource.LINKEDIN,
    MachineSource.FACEBOOK,
    MachineSource.X,
}
_NAMED_COMPANIES = {MachineSource.GOOGLE, MachineSource.YAHOO, MachineSource.MICROSOFT}


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
    if reason in (MachineReason.CLICK_BEFORE_OPEN, MachineReason.EVERY_LINK):
        return _("a link scanner")
    if reason == MachineReason.HONEYPOT:
        return _("an automated client that followed a hidden link no person can see")
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
    if reason == MachineReason.LINK_PREVIEW and source in _NAMED_PREVIEWS:
        # Translators: completes "Link followed by …"; %(source)s is an app's name.
        return _("the %(source)s link preview") % {"source": source.label}
    if reason in (MachineReason.BOT, MachineReason.CRAWLER_NETWORK) and source in _NAMED_COMPANIES:
        # Translators: completes "Link followed by …"; %(source)s is a company name.
        return _("an automated program of %(source)s") % {"source": source.label}
    return str(reason.label)


def _is_badge(event: Event) -> bool:
    return event.certificate.kind == Kind.BADGE


def _sequence_open(event: Event) -> str:
    """The sentence of an open that a sequence rule (conferral.tracking.sequence) showed
    to be a machine's, or nothing."""
    reason = _machine_reason(event)
    if details.EmailOpened.from_json(event.detail).inferred and reason in (
        MachineReason.EVERY_LINK,
        MachineReason.HONEYPOT,
    ):
        return _(
            "Open inferred from a click that turned out to be an automated client's (not "
            "proof of reading)."
        )
    if reason == MachineReason.HONEYPOT:
        return _(
            "Open recorded by a client that also followed a hidden link no person can see: "
            "an automated client (not proof of reading)."
        )
    return ""


def _sequence_click(event: Event) -> str:
    """The sentence of a click that a sequence rule showed to be a machine's, or nothing."""
    reason = _machine_reason(event)
    if details.EmailClicked.from_json(event.detail).honeypot:
        return _(
            "The email's hidden link was followed: no person can see or reach it, so an "
            "automated client did."
        )
    if reason == MachineReason.HONEYPOT:
        return _(
            "Link followed by a client that also followed a hidden link no person can see: "
            "an automated client, not a person."
        )
    if reason == MachineReason.EVERY_LINK:
        return _(
            "Every link of the email was followed within the same second: most likely by a "
            "link scanner, not by a person."
        )
    if reason == MachineReason.CLICK_BEFORE_OPEN:
        return _(
            "Link followed within 30 seconds of delivery, before the email was opened: most "
            "likely by a link scanner, not by a person."
        )
    return ""


def opened_explain(event: Event) -> str:
    if event.machine and _sequence_open(event):
        return _sequence_open(event)
    if event.machine and _too_soon(event):
        return _(
            "Open recorded within seconds of delivery, faster than a person reads: most "
            "likely by an automated client (not proof of reading)."
        )
    if event.machine:
        return _("Open recorded by %(who)s (not proof of reading).") % {"who": _machine_who(event)}
    opened = details.EmailOpened.from_json(event.detail)
    if opened.inferred:
        return _("Open inferred from a click on the email's link (its images were not loaded).")
    if opened.via in _NAMED_PROXIES:
        # Translators: %(proxy)s is an image proxy's name, such as "Google image proxy".
        return _(
            "Opened through the %(proxy)s: it loads the email's images only when the message "
            "is opened."
        ) % {"proxy": MachineSource(opened.via).label}
    return _("Opened: the email's tracking image was loaded.")


def clicked_explain(event: Event) -> str:
    if event.machine and _sequence_click(event):
        return _sequence_click(event)
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


def viewed_explain(event: Event) -> str:
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
