"""The parts of the scenario tables (conferral/tracking/tests/test_scenarios*.py): who
makes the requests, a case's expected statistics, the sentences every history shares,
and a case itself, played by `scenario_play`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from conferral.accounts.models import Organization
from conferral.testing.histories import Columns, Device, Reading, Step, history_play
from conferral.testing.smtp import SmtpServer

MILLISECOND = dt.timedelta(milliseconds=1)
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)

# Apple Mail Privacy Protection: the bare user agent, from Apple's own network.
APPLE_PROXY = Device("Mozilla/5.0", "17.58.101.7")
# Some other proxy that fetches images with the bare user agent.
BARE_PROXY = Device("Mozilla/5.0", "203.0.113.9")
# Gmail fetches a message's images through its proxy when the reader opens it.
GMAIL_PROXY = Device(
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "66.102.8.1",
)
# Microsoft Safe Links checks a link with an ordinary browser's user agent, from
# Exchange Online Protection's network.
SAFE_LINKS = Device(EDGE, "40.107.22.61")
# A company's own scanner: a browser's user agent, from an address nobody publishes.
SCANNER = Device(EDGE, "192.0.2.80")
# The person: their phone's mail app, their laptop's browser, their office PC.
PHONE = Device(IPHONE_MAIL, "198.51.100.7")
LAPTOP = Device(FIREFOX, "198.51.100.7")
OFFICE = Device(EDGE, "192.0.2.44")

# What every history begins with: the email handed over and accepted.
SENT = [
    "Queued for sending.",
    "Handed to the mail server.",
    "Accepted by the recipient's mail server (250 2.0.0 Ok: queued as Q000001).",
]
NOT_OPENED = "The email was delivered at March 4, 2030, 09:00; no open has been recorded."
NOT_CLAIMED = "The credential has not been claimed yet."
STILL_DELIVERED = (
    "That is why the certificate status is “Claimed” while the email status is "
    "“Delivered, not opened”."
)


@dataclass(frozen=True)
class Figures:
    """The certificate's statistics, for its one recipient: each count is 0 or 1."""

    delivered: int = 1
    bounced: int = 0
    claimed: int = 0
    opened: int = 0  # a person's open, or one their click infers
    clicked: int = 0  # a person's click
    machine_opened: int = 0  # a machine's open, or one its click infers
    machine_clicked: int = 0
    opened_any: int = 0
    clicked_any: int = 0
    machine_opened_only: int = 0
    track_opens: bool = True
    track_clicks: bool = True

    def statistics(self) -> dict[str, Any]:
        """The whole JSON of the API's statistics endpoint."""

        def part(count: int) -> dict[str, Any]:
            return {"count": count, "percent": 100.0 * count}

        none = part(0)
        return {
            "recipients": 1,
            "created_at": "2030-03-04T09:00:00Z",
            "claimed": part(self.claimed),
            "shared_or_downloaded": none,
            "added_to_linkedin": none,
            "social_shares": {"linkedin": 0, "facebook": 0, "x": 0},
            "email": {
                "not_provided": 0,
                "not_sent": 0,
                "scheduled": 0,
                "sending": 0,
                "sent": 1,
                "delivered": self.delivered,
                "opened": self.opened,
                "clicked": self.clicked,
                "bounced": self.bounced,
                "complained": 0,
            },
            "machine_opens": self.machine_opened_only,
            "tracking": {"opens": self.track_opens, "clicks": self.track_clicks},
            "opens": {
                "human": part(self.opened),
                "machine": part(self.machine_opened),
                "all": part(self.opened_any),
            }
            if self.track_opens
            else None,
            "clicks": {
                "human": part(self.clicked),
                "machine": part(self.machine_clicked),
                "all": part(self.clicked_any),
            }
            if self.track_clicks
            else None,
        }


@dataclass(frozen=True)
class Scenario:
    """One history and all that the issuer must read of it."""

    name: str
    steps: list[Step]
    columns: Columns
    figures: Figures
    timeline: list[str]  # after SENT, in order
    summary: str  # the situation, as the dashboard shows it
    advice: list[str] = field(default_factory=list)  # after it, in the API's summary
    privacy: dict[str, Any] = field(default_factory=dict)  # set through the API first


def scenario_play(scenario: Scenario, organization: Organization, smtp: SmtpServer) -> Reading:
    return history_play(organization, smtp, scenario.steps, scenario.privacy)
