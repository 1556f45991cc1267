"""What a verdict on a hit can say: why it looks machine-made (MachineReason), who made
it when the request tells (MachineSource), and the verdict itself. Kept apart from the
rules (conferral.tracking.machine, machine_agents, machine_networks) so that each rule
module can name them without importing the others."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class MachineReason(models.TextChoices):
    HEAD_REQUEST = "head_request", _("a HEAD request, which only checks that the link works")
    APPLE_PRIVACY = "apple_privacy", _("Apple Mail Privacy Protection, which loads every image")
    IMAGE_PROXY = "image_proxy", _("an email provider's image proxy")
    LINK_SCANNER = "link_scanner", _("a security scanner that checks links in email")
    LINK_PREVIEW = "link_preview", _("a link preview of a chat or social app")
    BOT = "bot", _("an automated program rather than a web browser")
    NO_USER_AGENT = "no_user_agent", _("a program that did not identify itself")
    TOO_SOON = "too_soon", _("within seconds of delivery, faster than a person reads")
    CLICK_BEFORE_OPEN = (
        "click_before_open",
        _("a click within 30 seconds of delivery before any open, as link scanners do"),
    )
    EVERY_LINK = "every_link", _("every link of the message followed within the same second")
    HONEYPOT = (
        "honeypot",
        _("the same client followed a hidden link that no person can see or click"),
    )
    KNOWN_CRAWLER = "known_crawler", _("a known web crawler or bot")
    CRAWLER_NETWORK = (
        "crawler_network",
        _("a program at an address its operator publishes for its crawlers"),
    )


class MachineSource(models.TextChoices):
    """Who made a machine-made hit, when the request tells. The value is what the event's
    `machine_source` keeps (plain English, never translated, so stored events keep their
    meaning); the label is the name shown on the timeline."""

    # Translators: a company name.
    APPLE = "Apple", _("Apple")
    GOOGLE_IMAGE_PROXY = "Google image proxy", _("Google image proxy")
    YAHOO_MAIL_PROXY = "Yahoo Mail proxy", _("Yahoo Mail proxy")
    OUTLOOK_IMAGE_PROXY = "Outlook image proxy", _("Outlook image proxy")
    IMAGE_PROXY = "image proxy", _("image proxy")
    # Translators: a company name.
    MICROSOFT = "Microsoft", _("Microsoft")
    # Translators: a company name, as in "Link followed by the Proofpoint link scanner".
    PROOFPOINT = "Proofpoint", _("Proofpoint")
    # Translators: a company name, as in "Link followed by the Mimecast link scanner".
    MIMECAST = "Mimecast", _("Mimecast")
    # Translators: a company name, as in "Link followed by the Barracuda link scanner".
    BARRACUDA = "Barracuda", _("Barracuda")
    # Translators: a company name, as in "Link followed by the Symantec link scanner".
    SYMANTEC = "Symantec", _("Symantec")
    # Translators: a company name, as in "Link followed by the Trend Micro link scanner".
    TREND_MICRO = "Trend Micro", _("Trend Micro")
    # Translators: a company name, as in "Link followed by the Cisco link scanner".
    CISCO = "Cisco", _("Cisco")
    # Translators: a company name, as in "Link followed by the Sophos link scanner".
    SOPHOS = "Sophos", _("Sophos")
    # Translators: a company name, as in "Link followed by the Fortinet link scanner".
    FORTINET = "Fortinet", _("Fortinet")
    # Translators: a company name, as in "Link followed by the Palo Alto Networks link
    # scanner".
    PALO_ALTO = "Palo Alto Networks", _("Palo Alto Networks")
    # Translators: a company name, as in "Link followed by the Forcepoint link scanner".
    FORCEPOINT = "Forcepoint", _("Forcepoint")
    # Translators: a Czech email provider, as in "Link followed by the Seznam link scanner".
    SEZNAM = "Seznam", _("Seznam")
    # Translators: a Ukrainian email provider, as in "Link followed by the ukr.net link
    # scanner".
    UKR_NET = "ukr.net", _("ukr.net")
    SCANNER = "scanner", _("link scanner")
    # Translators: a chat app, as in "Link followed by the Slack link preview".
    SLACK = "Slack", _("Slack")
    # Translators: Microsoft's chat apps, as in "Link followed by the Microsoft Teams or
    # Skype link preview".
    TEAMS = "Microsoft Teams or Skype", _("Microsoft Teams or Skype")
    # Translators: a chat app, as in "Link followed by the WhatsApp link preview".
    WHATSAPP = "WhatsApp", _("WhatsApp")
    # Translators: a chat app, as in "Link followed by the Telegram link preview".
    TELEGRAM = "Telegram", _("Telegram")
    # Translators: a chat app, as in "Link followed by the Discord link preview".
    DISCORD = "Discord", _("Discord")
    # Translators: a social network, as in "Link followed by the LinkedIn link preview".
    LINKEDIN = "LinkedIn", _("LinkedIn")
    # Translators: a social network, as in "Link followed by the Facebook link preview".
    FACEBOOK = "Facebook", _("Facebook")
    # Translators: the social network formerly called Twitter, as in "Link followed by the
    # X link preview".
    X = "X", _("X")
    # Translators: Microsoft's search engine, as in "Link followed by the Bing link
    # preview" (Outlook.com shows such previews).
    BING = "Bing", _("Bing")
    LINK_PREVIEW = "link preview", _("link preview")
    # Translators: a company name.
    GOOGLE = "Google", _("Google")
    # Translators: a company name.
    YAHOO = "Yahoo", _("Yahoo")
    # Translators: a web browser driven by a program (headless Chrome, Playwright,
    # Selenium, Lighthouse…), not by a person.
    AUTOMATED_BROWSER = "automated browser", _("automated browser")
    BOT = "bot", _("bot")
    # Translators: a client that sent only "Mozilla/5.0" as its user agent.
    BARE_USER_AGENT = "bare user agent", _("client without a browser name")


@dataclass(frozen=True)
class Verdict:
    """Why a hit looks machine-made; falsy when it looks like a person. A person's
    verdict may still name the proxy it came `via`: Gmail's image proxy fetches the
    pictures when someone opens the message, so the open is theirs, seen through it."""

    reason: MachineReason | None = None
    source: MachineSource | None = None
    via: MachineSource | None = None

    def __bool__(self) -> bool:
        return self.reason is not None

    @property
    def machine_reason(self) -> str:
        """For the event's detail: a MachineReason value, empty for a person."""
        return self.reason.value if self.reason is not None else ""

    @property
    def machine_source(self) -> str:
        """For the event's detail: who made the hit (a MachineSource value), if known."""
        return self.source.value if self.source is not None else ""

    @property
    def via_source(self) -> str:
        """For an open's detail: the proxy a person's open came through, if any."""
        return self.via.value if self.via is not None else ""


HUMAN = Verdict()
