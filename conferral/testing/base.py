"""Fixtures every app's tests use: an organization, its API key, a certificate; every
test starts in the default language; and a clock for tests that hit a rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone, translation
from freezegun import freeze_time

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_create, organization_get_or_create, user_create
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """A request leaves its language active in the thread (LocaleMiddleware activates
    it and nothing deactivates it), so a German page in one test would make the next
    test's code speak German. Each test starts, and ends, in LANGUAGE_CODE."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def throttle_window() -> Iterator[None]:
    """The clock jumps to the next full hour and runs on. Throttle windows are fixed and
    aligned on the epoch, so a test making hundreds of requests in real time could
    straddle two windows and see a fresh allowance halfway; from the hour, every window
    of up to an hour outlasts the test. (Near the present, so sessions and links made
    before the jump stay valid.) The URLconf is loaded first: it imports the API's
    schemas, which pydantic cannot build under freezegun's date class."""
    get_resolver().url_patterns  # noqa: B018
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    with freeze_time(hour, tick=True):
        yield


@pytest.fixture
def org(db: None) -> Organization:
    return organization_get_or_create(name="Acme Academy")


@pytest.fixture
def other_org(db: None) -> Organization:
    return organization_get_or_create(name="Other Org")


@pytest.fixture
def api_key(org: Organization) -> str:
    return apikey_create(organization=org)


@pytest.fixture
def api(client: Client, api_key: str) -> Client:
    """A test client that sends the organization's API key with every request."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key}"
    return client


@pytest.fixture
def certificate(org: Organization) -> Certificate:
    return certificate_create(organization=org, name="Python Fundamentals")


@pytest.fixture
def add_recipients(certificate: Certificate) -> Callable[..., list[Recipient]]:
    def add(*people: tuple[str, str], cert: Certificate | None = None) -> list[Recipient]:
        rows = [RawRow(i, name, email) for i, (name, email) in enumerate(people, start=1)]
        return recipients_add(certificate=cert or certificate, rows=rows).recipients

    return add


@pytest.fixture
def user_client(client: Client, org: Organization) -> Client:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    client.login(username="owner@acme.test", password="correct horse battery")
    return client
