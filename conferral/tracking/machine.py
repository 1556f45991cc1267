"""Does an open, click or page view look machine-made?

Mail systems fetch images and follow links on their own: Apple Mail Privacy Protection
loads every image as the message arrives, security scanners (Microsoft Safe Links,
Proofpoint, Mimecast, Barracuda…) follow every link to check it, chat apps fetch a link
to preview it, crawlers and scripts fetch anything. Such hits are recorded, flagged with
the reason found here, and never count as a person opening or clicking. Webmail image
proxies that fetch only when someone opens the message (Gmail's, Yahoo's, Outlook.com's)
are a person's open, marked as seen through that proxy.

Everything is decided from the request alone, in this order: a HEAD request, the user
agent's words (conferral.tracking.machine_agents), the published address ranges of
scanners and crawlers (conferral.tracking.machine_networks), the time since delivery.
No DNS or other network look-ups."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from conferral.tracking.machine_agents import agent_verdict
from conferral.tracking.machine_networks import published_ranges
from conferral.tracking.verdicts import HUMAN, MachineReason, MachineSource, Verdict

__all__ = ["HUMAN", "MachineReason", "MachineSource", "Verdict", "machine_verdict"]

# A person rarely opens or clicks within this long of the message reaching the mail
# server, while scanners and prefetchers act as it arrives.
TOO_SOON_AFTER_DELIVERY = dt.timedelta(seconds=10)

# Mail Privacy Protection fetches from Apple's own addresses with the bare user agent
# "Mozilla/5.0"; any other bare one hides who fetched.
_APPLE = published_ranges("apple")
_BARE_MOZILLA = "mozilla/5.0"
# Exchange Online Protection, where Microsoft 365 fetches the links and images it checks.
_MICROSOFT_PROTECTION = published_ranges("microsoft-eop")
# Google's crawlers, whatever user agent they send.
_GOOGLE_CRAWLERS = published_ranges("google-crawlers")


@lru_cache(maxsize=4096)
def _user_agent_verdict(user_agent: str, client_address: str) -> Verdict:
    agent = user_agent.strip()
    if not agent:
        return Verdict(MachineReason.NO_USER_AGENT)
    if agent.lower() == _BARE_MOZILLA:
        if client_address in _APPLE:
            return Verdict(MachineReason.APPLE_PRIVACY, MachineSource.APPLE)
        return Verdict(MachineReason.IMAGE_PROXY, MachineSource.BARE_USER_AGENT)
    verdict = agent_verdict(agent)
    return HUMAN if verdict is None else verdict


def _address_verdict(client_address: str) -> Verdict:
    if client_address in _MICROSOFT_PROTECTION:
        return Verdict(MachineReason.LINK_SCANNER, MachineSource.MICROSOFT)
    if client_address in _GOOGLE_CRAWLERS:
        return Verdict(MachineReason.CRAWLER_NETWORK, MachineSource.GOOGLE)
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
    and views of a recipient link); leave them out for pages reached otherwise. A
    person's verdict may name the proxy it came through (`via`)."""
    if method.upper() == "HEAD":
        return Verdict(MachineReason.HEAD_REQUEST)
    verdict = _user_agent_verdict(user_agent or "", client_address or "")
    if verdict:
        return verdict
    # An on-view proxy fetches from its operator's addresses, which may also be its
    # crawlers': its user agent already told who it is.
    if verdict.via is None:
        by_address = _address_verdict(client_address or "")
        if by_address:
            return by_address
    if (
        delivered_at is not None
        and at is not None
        and dt.timedelta(0) <= at - delivered_at < TOO_SOON_AFTER_DELIVERY
    ):
        return Verdict(MachineReason.TOO_SOON)
    return verdict
