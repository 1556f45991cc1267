"""Every page works under the Content-Security-Policy in a real browser: Chromium
reports each blocked script, stylesheet, style or image on the console, and a crawl
of the dashboard, the recipient's pages and the API documentation finds none."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from conferral.bounces.models import Source
from conferral.bounces.receive import report_receive
from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel
from conferral.cli.demo import demo_install
from conferral.core.security import CONTENT_SECURITY_POLICY
from conferral.delivery.domains.services import DomainSettings, sending_domain_save
from conferral.delivery.services import certificate_send
from conferral.delivery.tasks import deliver

pytestmark = pytest.mark.browser

# Links that end the session, change something on a plain GET, or download a file.
SKIPPED = ("/logout", "/t/", "/export")
SITE_WIDE_DIRECTIVES = CONTENT_SECURITY_POLICY.split("; ")


def _shape(url: str) -> str:
    """A page's kind: its path with ids blanked out and no query, so the crawl opens
    one recipient page rather than all of them."""
    segments = urlsplit(url).path.split("/")
    return "/".join("<id>" if re.search(r"[0-9A-Z]", part) else part for part in segments)


def _same_site_links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "links => links.map(link => link.getAttribute('href'))"
    )
    links = []
    for href in hrefs:
        url = urljoin(page.url, href).partition("#")[0]
        if url.startswith(origin) and not any(skip in url for skip in SKIPPED):
            links.append(url)
    return links


def test_it_loads_every_page_without_a_policy_violation(
    page: Page, live_server: LiveServer, offsite_requests: list[str]
) -> None:
    login = demo_install(password="a demo password")
    certificate_send(certificate=login.certificate)
    deliver.call()
    recipient = login.certificate.recipients.order_by("pk").first()
    assert recipient is not None
    # Pages the demo alone does not have: a sending domain's records, a returned message.
    sending_domain_save(
        organization=login.organization, values=DomainSettings(domain="academy.example")
    )
    report = report_receive(
        b"From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail\r\n\r\n"
        b"550 5.1.1 <" + recipient.email.encode() + b">: User unknown\r\n",
        source=Source.SMTP,
        envelope_to=f"bounces+{recipient.public_id}@conferral.localhost",
    )
    violations: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        # The previews' and the mailbox's own sandboxed policies block a message's
        # tracking pixel on purpose; only the site-wide policy must never get in the way.
        if "Content Security Policy" in message.text and any(
            directive in message.text for directive in SITE_WIDE_DIRECTIVES
        ):
            violations.append(f"{page.url}: {message.text}")

    page.on("console", noted)
    origin = live_server.url
    for public in (recipient_path(recipient, Channel.EMAIL), "/api/v1/docs"):
        page.goto(public)
        page.wait_for_load_state("networkidle")
    page.goto("/login/")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill("a demo password")
    page.get_by_role("button", name="Sign in").click()

    queue, seen = [origin + "/", origin + reverse("bounces:report", args=[report.pk])], set()
    while queue:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = page.request.get(url)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        assert response.ok, url
        page.goto(url)
        page.wait_for_load_state("networkidle")
        queue += _same_site_links(page, origin)

    assert {"/dashboard/reports/<id>/", "/organizations/<id>/sending-domain/"} <= seen
    assert len(seen) > 10, seen
    assert violations == []
    assert offsite_requests == []
