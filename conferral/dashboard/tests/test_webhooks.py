"""Organization settings → webhooks, through the dashboard: owners and admins register
an endpoint (its secret shown once), see its deliveries with each attempt's answer and
duration, replay one, enable a disabled endpoint and delete it; viewers only look;
another organization's pages do not exist; a bad value is a clear error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Channel, Recipient
from conferral.webhooks.models import Delivery, DeliveryStatus, Endpoint
from conferral.webhooks.services import endpoint_create
from conferral.webhooks.tests.conftest import Receiver, Reply
from conferral.webhooks.tests.conftest import receiver as receiver
from conferral.webhooks.tests.conftest import webhook_settings as webhook_settings

CaptureOnCommit = Callable[..., Any]


def _url(organization: Organization, name: str = "webhooks", **kwargs: str) -> str:
    return reverse(
        f"dashboard:{name}", kwargs={"organization_id": organization.public_id, **kwargs}
    )


def _endpoint_url(endpoint: Endpoint, name: str = "webhook_endpoint") -> str:
    return _url(endpoint.organization, name, endpoint_id=endpoint.public_id)


def test_it_registers_an_endpoint_and_shows_its_secret_once(
    webhook_settings: None, user_client: Client, org: Organization, receiver: Receiver
) -> None:
    response = user_client.post(
        _url(org),
        {
            "url": receiver.url(),
            "description": "CRM sync",
            "event_types": ["credential.claimed", "email.bounced"],
        },
    )

    assert response.status_code == 200
    endpoint = Endpoint.objects.get(organization=org)
    assert endpoint.event_types == ["email.bounced", "credential.claimed"]
    assert endpoint.secret in response.content.decode()
    page = user_client.get(_url(org)).content.decode()
    assert receiver.url() in page
    assert "CRM sync" in page
    assert endpoint.secret not in page


def test_it_says_what_is_wrong_with_an_endpoint_and_keeps_what_was_typed(
    settings: Any, user_client: Client, org: Organization
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = user_client.post(
        _url(org), {"url": "http://192.168.0.10/hooks", "event_types": ["email.opened"]}
    )
    no_types = user_client.post(_url(org), {"url": "https://example.org/hooks"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Webhooks cannot go to private, loopback or link-local addresses." in page
    assert 'value="http://192.168.0.10/hooks"' in page
    assert no_types.status_code == 400
    assert not Endpoint.objects.exists()


def test_it_shows_each_delivery_with_its_answer_and_replays_it(
    webhook_settings: None,
    user_client: Client,
    org: Organization,
    receiver: Receiver,
    people: list[Recipient],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    endpoint = endpoint_create(
        organization=org, url=receiver.url(), event_types=["credential.claimed"]
    ).endpoint
    receiver.answer(Reply(500, "upstream exploded"))
    with django_capture_on_commit_callbacks(execute=True):
        credential_claim(recipient=people[0], channel=Channel.EMAIL)
    delivery = Delivery.objects.get()

    page = user_client.get(_endpoint_url(endpoint)).content.decode()
    row = page.split(f'id="delivery-{delivery.public_id}"')[1].split("</tr>")[0]
    assert "credential.claimed" in row
    assert "<strong>500</strong>" in row
    assert "upstream exploded" in row
    assert " ms)" in row

    with django_capture_on_commit_callbacks(execute=True):
        replayed = user_client.post(
            _url(org, "webhook_replay", delivery_id=delivery.public_id), follow=True
        )

    assert "The delivery is being sent again." in replayed.content.decode()
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_it_enables_a_disabled_endpoint_and_sends_what_waited(
    webhook_settings: None,
    user_client: Client,
    org: Organization,
    receiver: Receiver,
    people: list[Recipient],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    endpoint = endpoint_create(
        organization=org, url=receiver.url(), event_types=["credential.claimed"]
    ).endpoint
    Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        credential_claim(recipient=people[0], channel=Channel.EMAIL)
    assert receiver.requests == []
    assert "Enable it again" in user_client.get(_endpoint_url(endpoint)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(_endpoint_url(endpoint, "webhook_enable"), follow=True)

    assert "The endpoint is enabled again" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_it_deletes_an_endpoint(user_client: Client, org: Organization) -> None:
    endpoint = endpoint_create(
        organization=org, url="https://example.org/hooks", event_types=["email.opened"]
    ).endpoint

    response = user_client.post(_endpoint_url(endpoint, "webhook_delete"), follow=True)

    assert "The endpoint https://example.org/hooks was deleted." in response.content.decode()
    assert not Endpoint.objects.exists()


def test_it_lets_a_viewer_look_but_change_nothing(viewer_client: Client, org: Organization) -> None:
    endpoint = endpoint_create(
        organization=org, url="https://example.org/hooks", event_types=["email.opened"]
    ).endpoint

    page = viewer_client.get(_url(org)).content.decode()
    added = viewer_client.post(
        _url(org), {"url": "https://example.org/other", "event_types": ["email.opened"]}
    )
    deleted = viewer_client.post(_endpoint_url(endpoint, "webhook_delete"))

    assert "https://example.org/hooks" in page
    assert "Only owners and admins can change the webhooks." in page
    assert endpoint.secret not in viewer_client.get(_endpoint_url(endpoint)).content.decode()
    assert (added.status_code, deleted.status_code) == (403, 403)
    assert Endpoint.objects.count() == 1


def test_it_hides_another_organizations_webhooks(
    user_client: Client, org: Organization, other_org: Organization
) -> None:
    theirs = endpoint_create(
        organization=other_org, url="https://example.org/theirs", event_types=["email.opened"]
    ).endpoint

    assert user_client.get(_url(other_org)).status_code == 404
    assert (
        user_client.get(_url(org, "webhook_endpoint", endpoint_id=theirs.public_id)).status_code
        == 404
    )
    assert user_client.post(_endpoint_url(theirs, "webhook_delete")).status_code == 404
    assert Endpoint.objects.filter(pk=theirs.pk).exists()


def test_it_links_the_webhooks_page_from_the_team_page(
    user_client: Client, org: Organization
) -> None:
    page = user_client.get(reverse("dashboard:team")).content.decode()

    assert _url(org) in page
