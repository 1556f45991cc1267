"""The steps of a recipient's history (conferral.testing.histories): each what a mail
client, a security scanner, the person or the issuer does, as the requests they would
make, each checking the answer they would get."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conferral.bounces.models import Source
from conferral.bounces.receive import report_receive
from conferral.bounces.tests.receive_support import dsn
from conferral.testing.histories import Device, History, path_of

_ACCESS = re.compile(r'<code class="copy" id="recipient-link">([^<]+)</code>')


def _follow(history: History, device: Device, response: Any, *, follow: bool = True) -> None:
    """A browser, and most scanners, follow a redirect to the recipient page."""
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith("/r/"), location
    history.page = location
    if follow and response.request["REQUEST_METHOD"] != "HEAD":
        page = history.browser(device).get(location)
        assert page.status_code == 200, page.status_code


@dataclass(frozen=True)
class Open:
    """A fetch of the email's tracking image (`pixel`: which of them)."""

    after: dt.timedelta
    device: Device
    method: str = "GET"
    pixel: int = 0

    def play(self, history: History) -> None:
        browser = history.browser(self.device)
        path = history.mail.pixels[self.pixel]
        response = browser.head(path) if self.method == "HEAD" else browser.get(path)
        assert response.status_code == 200, response.status_code
        assert response["Content-Type"] == "image/gif"


@dataclass(frozen=True)
class Click:
    """A click on a link of the email (`link`: which of them), its redirect to the
    recipient page followed unless `follow` is False (a scanner that only checks the
    link's answer); an untracked link is the page itself."""

    after: dt.timedelta
    device: Device
    method: str = "GET"
    link: int = 0
    follow: bool = True

    def play(self, history: History) -> None:
        browser = history.browser(self.device)
        path = history.mail.clicks[self.link]
        response = browser.head(path) if self.method == "HEAD" else browser.get(path)
        if path.startswith("/r/"):
            assert response.status_code == 200, response.status_code
            history.page = path
        else:
            _follow(history, self.device, response, follow=self.follow)


@dataclass(frozen=True)
class FollowHidden:
    """A fetch of the email's hidden link (`link`: which of them), which no person can
    see or click: only a program that follows every address in the HTML reaches it."""

    after: dt.timedelta
    device: Device
    link: int = 0

    def play(self, history: History) -> None:
        response = history.browser(self.device).get(history.mail.hidden[self.link])
        assert (response.status_code, response.content) == (204, b"")


@dataclass(frozen=True)
class Claim:
    """The claim button on the recipient page the last step reached."""

    after: dt.timedelta
    device: Device

    def play(self, history: History) -> None:
        assert history.page, "no recipient page was reached before the claim"
        path, _, query = history.page.partition("?")
        via = query.removeprefix("via=") if query.startswith("via=") else ""
        response = history.browser(self.device).post(path, {"via": via})
        _follow(history, self.device, response)


class Handout(StrEnum):
    """Where the person got the recipient link from, other than the email."""

    DASHBOARD = "dashboard"  # copied by the issuer from the recipient's dashboard page
    API = "api"  # the recipient's `url` read through the API by an integration
    FORGED = "forged"  # the email's page link, its channel mark altered


@dataclass(frozen=True)
class Visit:
    """The person opens the recipient link handed out as `handout` says."""

    after: dt.timedelta
    device: Device
    handout: Handout

    def play(self, history: History) -> None:
        if self.handout == Handout.DASHBOARD:
            found = _ACCESS.search(history.dashboard_page())
            assert found is not None, "the dashboard shows no recipient link"
            path = path_of(html.unescape(found[1]))
        elif self.handout == Handout.API:
            response = history.api.get(f"/api/v1/recipients/{history.recipient_id}")
            assert response.status_code == 200, response.content
            path = path_of(response.json()["url"])
        else:
            token = history.recipient().token
            path = f"/r/{token}?via=email.AAAAAAAAAAAAAAAAAAAAAA"
        history.page = path
        response = history.browser(self.device).get(path)
        assert response.status_code == 200, response.status_code


@dataclass(frozen=True)
class TypeToken:
    """The person types the token from the email into the public claim page."""

    after: dt.timedelta
    device: Device

    def play(self, history: History) -> None:
        browser = history.browser(self.device)
        assert browser.get("/claim").status_code == 200
        response = browser.post("/claim", {"token": history.recipient().token})
        _follow(history, self.device, response)


@dataclass(frozen=True)
class Tamper:
    """The email's tracking URLs altered: each link with a changed signature, one
    link's signature on another link's number, the hidden link's and the image's
    signatures changed. A link answers that it is not valid, the image is still an
    image."""

    after: dt.timedelta
    device: Device

    def play(self, history: History) -> None:
        browser = history.browser(self.device)
        clicks = [path for path in history.mail.clicks if path.startswith("/t/c/")]
        forged = [_altered(path) for path in [*clicks, *history.mail.hidden]]
        if len(clicks) > 1:
            forged.append(_swapped(clicks[0], clicks[1]))
        for path in forged:
            response = browser.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert "Location" not in response
        for path in history.mail.pixels:
            response = browser.get(_altered(path.removesuffix(".gif")) + ".gif")
            assert (response.status_code, response["Content-Type"]) == (200, "image/gif")


def _altered(path: str) -> str:
    """`path` with the last character of its signature changed."""
    head, last = path[:-1], path[-1]
    return head + ("B" if last == "A" else "A")


def _swapped(first: str, second: str) -> str:
    """`first`'s signature under `second`'s link number."""
    return second.rpartition("/")[0] + "/" + first.rpartition("/")[2]


@dataclass(frozen=True)
class Bounce:
    """The recipient's server accepted the message, then reports it could not deliver it:
    a delivery status notification to the message's return path, received."""

    after: dt.timedelta
    diagnostic: str = "550 5.1.1 <{to}>: Recipient address rejected: User unknown"

    def play(self, history: History) -> None:
        sent = history.received
        raw = dsn(sent, diagnostic=self.diagnostic)
        report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from, envelope_from="")
