"""Which addresses a webhook may reach, and which URLs an endpoint may have: only
public ones unless the operator allows private ones, checked on the address the
connection will use."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Channel, Recipient
from conferral.webhooks.addresses import address_allowed
from conferral.webhooks.models import Delivery, Endpoint
from conferral.webhooks.services import Registered, WebhookInvalid, endpoint_create
from conferral.webhooks.tests.conftest import Receiver

REFUSED = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 (an address judged, not bound)
    "224.0.0.1",
    "240.0.0.1",
    "::1",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", REFUSED)
def test_it_refuses_an_address_that_is_not_public(settings: Any, address: str) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    assert not address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_it_allows_a_public_address(settings: Any, address: str) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    assert address_allowed(ipaddress.ip_address(address))


def test_it_allows_a_private_address_when_the_operator_does() -> None:
    assert address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert not address_allowed(ipaddress.ip_address("0.0.0.0"))  # noqa: S104


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/hooks", "private, loopback or link-local"),
        ("https://[::1]/hooks", "private, loopback or link-local"),
        ("http://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
        ("ftp://example.org/hooks", "must start with https:// or http://"),
        ("https:///hooks", "has no host"),
        ("https://user:secret@example.org/hooks", "user name or password"),
        ("https://example.org:99999/hooks", "not a valid URL"),
        ("", "Enter the URL"),
    ],
)
def test_it_refuses_a_url_it_may_not_post_to(
    settings: Any, org: Organization, url: str, message: str
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    with pytest.raises(WebhookInvalid) as refused:
        endpoint_create(organization=org, url=url, event_types=["email.opened"])

    assert refused.value.field == "url"
    assert message in refused.value.message
    assert not Endpoint.objects.exists()


def test_it_refuses_an_event_type_it_does_not_offer(org: Organization) -> None:
    with pytest.raises(WebhookInvalid) as refused:
        endpoint_create(
            organization=org, url="https://example.org/hooks", event_types=["email.queued"]
        )

    assert refused.value.field == "event_types"
    assert "Unknown event type email.queued" in refused.value.message


def test_it_checks_the_resolved_address_when_it_sends(
    settings: Any,
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    subscribe(url=receiver.url(host="localhost"))  # a name: checked once resolved
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    with django_capture_on_commit_callbacks(execute=True):
        credential_claim(recipient=person, channel=Channel.EMAIL)

    assert receiver.requests == []
    attempt = Delivery.objects.get().log.get()
    assert attempt.status_code is None
    assert "localhost resolves only to private, loopback or link-local addresses" in attempt.error


def test_it_keeps_the_host_name_while_it_connects_to_the_address_it_checked(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    subscribe(url=receiver.url(host="localhost", path="/hooks?source=conferral"))

    with django_capture_on_commit_callbacks(execute=True):
        credential_claim(recipient=person, channel=Channel.EMAIL)

    [request] = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks?source=conferral"
