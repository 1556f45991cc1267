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
    BOT = "bot", _("an automated program, not a web browser")
    NO_USER_AGENT = "no_user_agent", _("a program that did not identify itself")
    TOO_SOON = "too_soon", _("within seconds of delivery, faster than a person reads")


# (reason, pattern matched case-insensitively against the user agent, name for the
# timeline). The first match wins, so specific names come before generic words.
_USER_AGENT_RULES: list[tuple[MachineReason, str, str]] = [
    (MachineReason.IMAGE_PROXY, r"googleimageproxy|ggpht\.com", "Google image proxy"),
    (MachineReason.IMAGE_PROXY, r"yahoomailproxy", "Yahoo Mail proxy"),
    (MachineReason.IMAGE_PROXY, r"outlookimageproxy|owaimageproxy", "Outlook image proxy"),
    (MachineReason.IMAGE_PROXY, r"imageproxy|image-proxy", "image proxy"),
    (MachineReason.LINK_SCANNER, r"safe ?links|microsoft ?defender|msdefender", "Microsoft"),
    (MachineReason.LINK_SCANNER, r"proofpoint|urldefense|ppops-", "Proofpoint"),
    (MachineReason.LINK_SCANNER, r"mimecast", "Mimecast"),
    (MachineReason.LINK_SCANNER, r"barracuda", "Barracuda"),
    (MachineReason.LINK_SCANNER, r"symantec|messagelabs|broadcom", "Symantec"),
    (MachineReason.LINK_SCANNER, r"trend ?micro|forcepoint|sophos|cisco|ironport", "scanner"),
    (
        MachineReason.LINK_PREVIEW,
        r"slackbot|facebookexternalhit|whatsapp|telegrambot|discordbot|linkedinbot|"
        r"twitterbot|skypeuripreview|microsoftpreview|googleother|applebot",
        "link preview",
    ),
    (
        MachineReason.BOT,
        r"(?<!cu)bot\b|bot/|crawler|spider|scan|curl/|wget/|python-requests|python-urllib|"
        r"python-httpx|aiohttp|go-http-client|java/|okhttp|libwww-perl|axios|node-fetch|"
        r"headlesschrome|phantomjs|httpclient|postman",
        "bot",
    ),
]
_COMPILED_RULES = [
    (reason, re.compile(pattern, re.IGNORECASE), label)
    for reason, pattern, label in _USER_AGENT_RULES
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
    source: str = ""

    def __bool__(self) -> bool:
        return self.reason is not None

    def detail(self) -> dict[str, str]:
        """The keys added to the event's detail: `machine_reason` (a MachineReason
        value) and `machine_source` (who, when known)."""
        if self.reason is None:
            return {}
        detail = {"machine_reason": self.reason.value}
        if self.source:
            detail["machine_source"] = self.source
        return detail


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


def _user_agent_verdict(user_agent: str, client_address: str) -> Verdict:
    agent = user_agent.strip()
    if not agent:
        return Verdict(MachineReason.NO_USER_AGENT)
    if agent.lower() == _BARE_MOZILLA:
        if _in(client_address, _APPLE_NETWORKS):
            return Verdict(MachineReason.APPLE_PRIVACY, "Apple")
        return Verdict(MachineReason.IMAGE_PROXY, "bare user agent")
    for reason, pattern, label in _COMPILED_RULES:
        if pattern.search(agent):
            return Verdict(reason, label)
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
        return Verdict(MachineReason.LINK_SCANNER, "Microsoft")
    if (
        delivered_at is not None
        and at is not None
        and dt.timedelta(0) <= at - delivered_at < TOO_SOON_AFTER_DELIVERY
    ):
        return Verdict(MachineReason.TOO_SOON)
    return HUMAN
