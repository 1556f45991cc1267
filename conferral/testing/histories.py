"""Whole recipient histories, played through the real interfaces for the scenario tests
(conferral/tracking/tests/test_scenarios*.py).

A history starts the same way every time: at SENT_AT, through the API, a certificate
with one recipient is created and sent, and the worker hands the message to the test
SMTP server on 127.0.0.1, which accepts it (so the recipient is delivered at SENT_AT).
Its links are read from the message as that server received it. Then each step is
what a mail client, a security scanner, the person or the issuer does, as HTTP
requests through the Django test client, at its own moment after delivery (a frozen
clock: the rules of machine activity depend on the seconds since delivery); a late
bounce is a delivery status notification handed to the bounce receiver. Afterwards the
history is read the way the issuer reads it: the status columns, the statistics and
the timeline through the API, the summary on the dashboard."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.test import Client
from django.urls import get_resolver, reverse
from freezegun import freeze_time

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_create, user_create
from conferral.certificates.models import Recipient
from conferral.delivery.pipeline import deliver_due
from conferral.testing.smtp import Received, SmtpServer

SENT_AT = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
# When the issuer reads the history: after every step of every scenario.
READ_AFTER = dt.timedelta(days=8)
ISSUER = "owner@acme.test"

_HTML_URL = re.compile(r'(?:href|src)="([^"]+)"')
_TEXT_URL = re.compile(r"https?://\S+")
_SUMMARY = re.compile(r'<p class="summary">(.*?)</p>', re.DOTALL)


@dataclass(frozen=True)
class Device:
    """Who makes a request: its user agent and network address."""

    user_agent: str
    address: str

    def headers(self) -> dict[str, str]:
        return {"HTTP_USER_AGENT": self.user_agent, "REMOTE_ADDR": self.address}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Mail:
    """The URLs of the message, as paths: the links a reader can follow (the HTML part's,
    then the text part's, each once: tracked ones, or the recipient page itself when
    clicks are not tracked), the hidden ones no reader sees, and the tracking images."""

    clicks: list[str]
    hidden: list[str]
    pixels: list[str]

    @classmethod
    def of(cls, received: Received) -> Mail:
        message = received.message
        html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
        assert html_part is not None, "the message has no HTML part"
        assert text_part is not None, "the message has no text part"
        urls = [html.unescape(url) for url in _HTML_URL.findall(str(html_part.get_content()))]
        urls += _TEXT_URL.findall(str(text_part.get_content()))
        paths = list(dict.fromkeys(path_of(url) for url in urls))
        return cls(
            clicks=[p for p in paths if p.startswith(("/t/c/", "/r/"))],
            hidden=[p for p in paths if p.startswith("/t/h/")],
            pixels=[p for p in paths if p.startswith("/t/o/")],
        )


@dataclass
class History:
    """A recipient's history as it is played: the clients and what the steps need."""

    organization: Organization
    api: Client
    smtp: SmtpServer
    certificate_id: str
    recipient_id: str
    received: Received
    mail: Mail
    page: str = ""  # the recipient page the last step reached (its path and query)
    browsers: dict[Device, Client] = field(default_factory=dict)

    def browser(self, device: Device) -> Client:
        """The device's own client: its cookies stay its own."""
        if device not in self.browsers:
            client = Client()
            client.defaults.update(device.headers())
            self.browsers[device] = client
        return self.browsers[device]

    def recipient(self) -> Recipient:
        return Recipient.objects.get(public_id=self.recipient_id)

    def issuer(self) -> Client:
        """The dashboard, logged in now (the clock moves between steps)."""
        client = Client()
        client.force_login(self.organization.memberships.get().user)
        return client

    def dashboard_page(self) -> str:
        path = reverse("dashboard:recipient", kwargs={"recipient_id": self.recipient_id})
        response = self.issuer().get(path)
        assert response.status_code == 200, response.status_code
        return response.content.decode()


class Step(Protocol):
    @property
    def after(self) -> dt.timedelta: ...

    def play(self, history: History) -> None: ...


@dataclass(frozen=True)
class Columns:
    """The recipient's status columns; each time as how long after SENT_AT, or None."""

    email_status: str
    status: str
    opened_at: dt.timedelta | None = None
    machine_opened_at: dt.timedelta | None = None
    clicked_at: dt.timedelta | None = None
    machine_clicked_at: dt.timedelta | None = None
    claimed_at: dt.timedelta | None = None
    claim_channel: str = ""

    @classmethod
    def of(cls, recipient: Recipient) -> Columns:
        def since(moment: dt.datetime | None) -> dt.timedelta | None:
            return None if moment is None else moment - SENT_AT

        return cls(
            email_status=recipient.email_status,
            status=recipient.status,
            opened_at=since(recipient.opened_at),
            machine_opened_at=since(recipient.machine_opened_at),
            clicked_at=since(recipient.clicked_at),
            machine_clicked_at=since(recipient.machine_clicked_at),
            claimed_at=since(recipient.claimed_at),
            claim_channel=recipient.claim_channel,
        )


@dataclass(frozen=True)
class Reading:
    """What the issuer reads once the history has happened."""

    columns: Columns
    statistics: dict[str, Any]
    timeline: list[str]
    summary: str
    dashboard_summary: str


def _json(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    if data is None:
        response = client.get(path)
    else:
        response = client.post(path, data, content_type="application/json")
    assert response.status_code in (200, 201, 202), response.content
    return response.json()


def _start(organization: Organization, smtp: SmtpServer, privacy: dict[str, Any]) -> History:
    """Create, send and deliver the certificate of one recipient (now: at SENT_AT), the
    organization's `privacy` settings changed through the API first."""
    if not organization.memberships.exists():
        user_create(email=ISSUER, password="correct horse battery", organization=organization)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {apikey_create(organization=organization)}")
    if privacy:
        response = api.patch("/api/v1/organization", privacy, content_type="application/json")
        assert response.status_code == 200, response.content
    certificate = _json(
        api, "/api/v1/certificates", {"name": "Python Fundamentals", "kind": "certificate"}
    )
    people = {"recipients": [{"name": "Ada Lovelace", "email": "ada@example.com"}]}
    _json(api, f"/api/v1/certificates/{certificate['id']}/recipients", people)
    _json(api, f"/api/v1/certificates/{certificate['id']}/send", {})
    report = deliver_due()
    assert report.delivered == 1, report
    [received] = smtp.messages
    [recipient] = _json(api, f"/api/v1/certificates/{certificate['id']}/recipients")["items"]
    return History(
        organization=organization,
        api=api,
        smtp=smtp,
        certificate_id=certificate["id"],
        recipient_id=recipient["id"],
        received=received,
        mail=Mail.of(received),
    )


def _read(history: History) -> Reading:
    events = _json(history.api, f"/api/v1/recipients/{history.recipient_id}/events")
    statistics = _json(history.api, f"/api/v1/certificates/{history.certificate_id}/statistics")
    found = _SUMMARY.search(history.dashboard_page())
    assert found is not None, "the dashboard shows no summary"
    return Reading(
        columns=Columns.of(history.recipient()),
        statistics=statistics,
        timeline=[item["explanation"] for item in events["items"]],
        summary=events["summary"],
        dashboard_summary=html.unescape(found[1]),
    )


def history_play(
    organization: Organization,
    smtp: SmtpServer,
    steps: Sequence[Step],
    privacy: dict[str, Any] | None = None,
) -> Reading:
    """Send the certificate at SENT_AT, play `steps` in order, each at SENT_AT + its
    `after`, and read the history at SENT_AT + READ_AFTER."""
    moments = [step.after for step in steps]
    if moments != sorted(moments) or any(moment >= READ_AFTER for moment in moments):
        raise ValueError(f"steps must come in time order, before {READ_AFTER}: {moments}")
    # The URLconf imports the API's schemas, which pydantic cannot build under
    # freezegun's date class: it is loaded before the clock stops. The clock is stopped
    # once and moved (stopping it costs a scan of every module); the SMTP server's
    # event loop keeps the real clock, so its timeouts still work.
    get_resolver().url_patterns  # noqa: B018
    with freeze_time(SENT_AT, real_asyncio=True) as clock:
        history = _start(organization, smtp, privacy or {})
        for step in steps:
            clock.move_to(SENT_AT + step.after)
            step.play(history)
        clock.move_to(SENT_AT + READ_AFTER)
        return _read(history)
