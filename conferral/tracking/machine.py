"""Does an open, click or page view look machine-made?

Mail systems fetch images and follow links on their own: Apple Mail Privacy Protection
loads every image as the message arrives, webmail image proxies fetch pictures on the
reader's behalf, and security scanners (Microsoft Safe Links, Proofpoint, Mimecast,
Barracuda…) follow every link to check it. Such hits are recorded, flagged with the
reason found here, and never count as a person opening or clicking.

Everything is decided from the request alone: no DNS or other network look-ups."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db import models
from django.utils.translation import gettext_lazy as _

# A person rarely opens or clicks within this long of the message reaching the mail
# server, while scanners and prefetchers act as it arrives.
TOO_SOON_AFTER_DELIVERY = dt.timedelta(seconds=10)


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
    SCANNER = "scanner", _("link scanner")
    LINK_PREVIEW = "link preview", _("link preview")
    BOT = "bot", _("bot")
    # Translators: a client that sent only "Mozilla/5.0" as its user agent.
    BARE_USER_AGENT = "bare user agent", _("client without a browser name")


# (reason, pattern matched case-insensitively against the user agent, who it is). The
# first match wins, so specific names come before generic words.
_USER_AGENT_RULES: list[tuple[MachineReason, str, MachineSource]] = [
    (
        MachineReason.IMAGE_PROXY,
        r"googleimageproxy|ggpht\.com",
        MachineSource.GOOGLE_IMAGE_PROXY,
    ),
    (MachineReason.IMAGE_PROXY, r"yahoomailproxy", MachineSource.YAHOO_MAIL_PROXY),
    (
        MachineReason.IMAGE_PROXY,
        r"outlookimageproxy|owaimageproxy",
        MachineSource.OUTLOOK_IMAGE_PROXY,
    ),
    (MachineReason.IMAGE_PROXY, r"imageproxy|image-proxy", MachineSource.IMAGE_PROXY),
    (
        MachineReason.LINK_SCANNER,
        r"safe ?links|microsoft ?defender|msdefender",
        MachineSource.MICROSOFT,
    ),
    (MachineReason.LINK_SCANNER, r"proofpoint|urldefense|ppops-", MachineSource.PROOFPOINT),
    (MachineReason.LINK_SCANNER, r"mimecast", MachineSource.MIMECAST),
    (MachineReason.LINK_SCANNER, r"barracuda", MachineSource.BARRACUDA),
    (MachineReason.LINK_SCANNER, r"symantec|messagelabs|broadcom", MachineSource.SYMANTEC),
    (
        MachineReason.LINK_SCANNER,
        r"trend ?micro|forcepoint|sophos|cisco|ironport",
        MachineSource.SCANNER,
    ),
    (
        MachineReason.LINK_PREVIEW,
        r"slackbot|facebookexternalhit|whatsapp|telegrambot|discordbot|linkedinbot|"
        r"twitterbot|skypeuripreview|microsoftpreview|googleother|applebot",
        MachineSource.LINK_PREVIEW,
    ),
    (
        MachineReason.BOT,
        r"(?<!cu)bot\b|bot/|crawler|spider|scan|curl/|wget/|python-requests|python-urllib|"
        r"python-httpx|aiohttp|go-http-client|java/|okhttp|libwww-perl|axios|node-fetch|"
        r"headlesschrome|phantomjs|httpclient|postman",
        MachineSource.BOT,
    ),
]
_COMPILED_RULES = [
    (reason, re.compile(pattern, re.IGNORECASE), source)
    for reason, pattern, source in _USER_AGENT_RULES
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Apple's own address block: Mail Privacy Protection fetches from it with the bare
# user agent "Mozilla/5.0".
_APPLE_NETWORKS: list[IPNetwork] = [ipaddress.ip_network("17.0.0.0/8")]
# Exchange Online Protection, where Microsoft 365 fetches links and images it checks.
_MICROSOFT_PROTECTION_NETWORKS: list[IPNetwork] = [
    ipaddress.ip_network(net)
    for net in ("40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17")
]
_BARE_MOZILLA = "mozilla/5.0"


@dataclass(frozen=True)
class Verdict:
    """Why a hit looks machine-made; falsy when it looks like a person."""

    reason: MachineReason | None = None
    source: MachineSource | None = None

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


HUMAN = Verdict()


@lru_cache(maxsize=4096)
def _address(client_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(client_address.strip())
    except ValueError:
        return None


def _in(address: str, networks: list[IPNetwork]) -> bool:
    ip = _address(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in networks)


@lru_cache(maxsize=4096)
def _user_agent_verdict(user_agent: str, client_address: str) -> Verdict:
    agent = user_agent.strip()
    if not agent:
        return Verdict(MachineReason.NO_USER_AGENT)
    if agent.lower() == _BARE_MOZILLA:
        if _in(client_address, _APPLE_NETWORKS):
            return Verdict(MachineReason.APPLE_PRIVACY, MachineSource.APPLE)
        return Verdict(MachineReason.IMAGE_PROXY, MachineSource.BARE_USER_AGENT)
    for reason, pattern, source in _COMPILED_RULES:
        if pattern.search(agent):
            return Verdict(reason, source)
    return HUMAN


def machine_verdict(
    *,
    user_agent: str,
    client_address: str = "",
    method: str = "GET",
    delivered_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Verdict:
    """Judge one hit. `delivered_at` and `at` enable the too-soon rule (opens, clicks
    and views of a recipient link); leave them out for pages reached otherwise."""
    if method.upper() == "HEAD":
        return Verdict(MachineReason.HEAD_REQUEST)
    verdict = _user_agent_verdict(user_agent or "", client_address or "")
    if verdict:
        return verdict
    if _in(client_address or "", _MICROSOFT_PROTECTION_NETWORKS):
        return Verdict(MachineReason.LINK_SCANNER, MachineSource.MICROSOFT)
    if (
        delivered_at is not None
        and at is not None
        and dt.timedelta(0) <= at - delivered_at < TOO_SOON_AFTER_DELIVERY
    ):
        return Verdict(MachineReason.TOO_SOON)
    return HUMAN
