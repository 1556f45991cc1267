"""Playwright fixtures that drive Debian's Chromium against pytest-django's live server.

`browser` is one headless Chromium per session; `page` is a fresh browser context per
test, pointed at the live server (settings.BASE_URL follows it, so links built by the
code under test lead there). Only the live server is reachable: any other request or
redirect (a share button's LinkedIn address, say) is answered by a local stub and its
address noted in `offsite_requests`, and Chromium resolves no other host name, so tests
never reach the internet.

Never run `playwright install`: the tests use /usr/bin/chromium. Without it they are
skipped, or fail when the CI environment variable is "true"."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    # Nothing but the live server resolves, whatever a page links to.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# A person's browser: headless Chromium announces itself as "HeadlessChrome", which
# Conferral rightly counts as a machine.
DESKTOP_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 15_000

# The live server listens on 127.0.0.1 only (pytest-django's default is "localhost").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made
    # by the test around it are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def offsite_requests() -> list[str]:
    """Addresses outside the live server that the pages tried to load."""
    return []


@pytest.fixture
def page(
    browser: Browser,
    live_server: LiveServer,
    settings: Settings,
    transactional_db: None,
    offsite_requests: list[str],
) -> Iterator[Page]:
    settings.BASE_URL = live_server.url
    context = browser.new_context(
        base_url=live_server.url,
        accept_downloads=True,
        locale="en-US",
        user_agent=DESKTOP_USER_AGENT,
    )
    context.set_default_timeout(TIMEOUT_MS)

    def stub(route: Route, url: str) -> None:
        offsite_requests.append(url)
        route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>Offsite stub</title><p>offsite</p>",
        )

    def stay_local(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            stub(route, url)
            return
        # Fetched without following redirects: Playwright does not route the requests
        # a redirect leads to, so a redirect elsewhere is answered here by the stub.
        response = route.fetch(max_redirects=0)
        location = urljoin(url, response.headers.get("location", ""))
        if 300 <= response.status < 400 and urlsplit(location).hostname not in LOCAL_HOSTS:
            stub(route, location)
        else:
            route.fulfill(response=response)

    context.route("**/*", stay_local)
    try:
        yield context.new_page()
    finally:
        # A request still in flight when the test ends must not fail its teardown.
        context.unroute_all(behavior="ignoreErrors")
        context.close()
