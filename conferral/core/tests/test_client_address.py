"""The client's address and scheme come from a proxy's forwarding headers only when the
request comes from a trusted proxy; from anyone else those headers are ignored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import timezone
from pytest_django.fixtures import Settings

from conferral.certificates.models import Event, Recipient
from conferral.certificates.status import EmailStatus
from conferral.core.client import client_address
from conferral.tracking.links import open_pixel_url
from conferral.tracking.machine import MachineReason

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# An address in Exchange Online Protection, whose scanners fetch what mail contains.
MICROSOFT_SCANNER = "40.107.22.61"
PERSON = "198.51.100.23"


@pytest.fixture
def delivered(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    """A recipient whose email reached their mail server an hour ago: a fresh open is
    judged by its client alone, not by how soon it came."""
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Recipient.objects.filter(pk=recipient.pk).update(
        email_status=EmailStatus.DELIVERED, first_sent_at=an_hour_ago, delivered_at=an_hour_ago
    )
    recipient.refresh_from_db()
    return recipient


@pytest.fixture
def behind_proxies(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "2001:db8:cafe::/48"]


def _request(remote: str, **headers: Any) -> HttpRequest:
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def _open_event(client: Client, recipient: Recipient, **headers: Any) -> Event:
    client.get(urlsplit(open_pixel_url(recipient)).path, HTTP_USER_AGENT=FIREFOX, **headers)
    return Event.objects.get(recipient=recipient)


def test_it_takes_the_forwarded_address_from_a_trusted_proxy(
    client: Client, delivered: Recipient, behind_proxies: None
) -> None:
    event = _open_event(client, delivered, HTTP_X_FORWARDED_FOR=MICROSOFT_SCANNER)

    assert event.machine is True
    assert event.detail["machine_reason"] == MachineReason.LINK_SCANNER


def test_it_ignores_a_forged_forwarded_address_from_an_untrusted_client(
    client: Client, delivered: Recipient, behind_proxies: None
) -> None:
    event = _open_event(
        client, delivered, REMOTE_ADDR=PERSON, HTTP_X_FORWARDED_FOR=MICROSOFT_SCANNER
    )

    assert event.machine is False


def test_it_believes_no_forwarded_address_when_no_proxy_is_trusted(
    client: Client, delivered: Recipient
) -> None:
    event = _open_event(client, delivered, HTTP_X_FORWARDED_FOR=MICROSOFT_SCANNER)

    assert event.machine is False


def test_it_takes_the_right_most_address_that_is_not_a_trusted_proxy(
    behind_proxies: None,
) -> None:
    forged_then_real = f"{MICROSOFT_SCANNER}, {PERSON}, 10.1.2.3"
    request = _request("127.0.0.1", HTTP_X_FORWARDED_FOR=forged_then_real)

    assert client_address(request) == PERSON


def test_it_reads_the_standard_forwarded_header_with_ports_and_ipv6(
    behind_proxies: None,
) -> None:
    v4 = _request("10.0.0.5", HTTP_FORWARDED=f'for="{PERSON}:4711";proto=https')
    v6 = _request("2001:db8:cafe::1", HTTP_FORWARDED='for=192.0.2.1, for="[2001:db8:1::7]:443"')

    assert client_address(v4) == PERSON
    assert client_address(v6) == "2001:db8:1::7"


def test_it_keeps_the_proxy_address_when_the_proxy_forwards_garbage(
    behind_proxies: None,
) -> None:
    request = _request("10.0.0.5", HTTP_X_FORWARDED_FOR=f"{PERSON}, not-an-address")

    assert client_address(request) == "10.0.0.5"


def test_it_answers_the_proxy_itself_when_every_hop_is_trusted(behind_proxies: None) -> None:
    request = _request("127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 10.1.1.1")

    assert client_address(request) == "10.9.9.9"


def test_it_believes_the_forwarded_scheme_from_a_trusted_proxy_only(
    client: Client, settings: Settings
) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True

    from_proxy = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    from_proxy_forwarded = client.get("/login/", HTTP_FORWARDED="for=192.0.2.1;proto=https")
    forged = client.get("/login/", REMOTE_ADDR=PERSON, HTTP_X_FORWARDED_PROTO="https")

    assert from_proxy.status_code == 200
    assert from_proxy_forwarded.status_code == 200
    assert forged.status_code == 301
    assert forged["Location"].startswith("https://")
