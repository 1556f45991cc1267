"""/api/v1/webhooks: a Zapier-like tool subscribes (and gets the secret once), lists,
unsubscribes, and polls the same payloads a push carries, newest first with a cursor;
every bad input is a 422 naming it, and another organization's endpoints do not exist."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim, recipient_revoke
from conferral.certificates.models import Channel, Recipient
from conferral.webhooks.models import Endpoint
from conferral.webhooks.services import endpoint_create
from conferral.webhooks.tests.conftest import Receiver

URL = "/api/v1/webhooks"


def _post(api: Client, body: dict[str, Any]) -> Any:
    return api.post(URL, json.dumps(body), content_type="application/json")


def test_it_subscribes_lists_and_unsubscribes_an_endpoint(api: Client, receiver: Receiver) -> None:
    created = _post(
        api,
        {"url": receiver.url(), "event_types": ["email.opened", "credential.claimed"]},
    )

    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["email.opened", "credential.claimed"]
    assert body["enabled"] is True
    listed = api.get(URL).json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == body["id"]
    assert "secret" not in listed["items"][0]

    deleted = api.delete(f"{URL}/{body['id']}")

    assert deleted.status_code == 204
    assert api.get(URL).json() == {"items": [], "count": 0}
    assert api.delete(f"{URL}/{body['id']}").status_code == 404


def test_it_names_each_bad_field_and_registers_nothing(settings: Any, api: Client) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    private = _post(api, {"url": "http://10.0.0.5/hooks", "event_types": ["email.opened"]})
    unknown = _post(api, {"url": "https://example.org/h", "event_types": ["email.queued"]})
    empty = _post(api, {"url": "https://example.org/h", "event_types": []})
    extra = _post(api, {"url": "https://example.org/h", "event_types": ["email.opened"], "x": 1})

    assert private.status_code == 422
    assert private.json()["detail"][0]["loc"] == ["url"]
    assert "private, loopback or link-local" in private.json()["detail"][0]["msg"]
    assert unknown.json()["detail"][0]["loc"] == ["event_types"]
    assert empty.status_code == 422
    assert extra.status_code == 422
    assert not Endpoint.objects.exists()


def test_it_does_not_show_or_delete_another_organizations_endpoint(
    api: Client, other_org: Organization
) -> None:
    theirs = endpoint_create(
        organization=other_org, url="https://example.org/theirs", event_types=["email.opened"]
    ).endpoint

    assert api.get(URL).json()["count"] == 0
    assert api.delete(f"{URL}/{theirs.public_id}").status_code == 404
    assert Endpoint.objects.filter(pk=theirs.pk).exists()


def test_it_polls_newest_first_with_a_cursor_and_the_pushed_payloads(
    api: Client,
    receiver: Receiver,
    add_recipients: Callable[..., list[Recipient]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _post(api, {"url": receiver.url(), "event_types": ["credential.claimed"]})
    people = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            credential_claim(recipient=person, channel=Channel.EMAIL)
    recipient_revoke(recipient=people[0], reason="Mistake")

    first = api.get(f"{URL}/poll", {"types": "credential.claimed", "limit": "1"}).json()
    second = api.get(
        f"{URL}/poll", {"types": "credential.claimed", "limit": "1", "cursor": first["next_cursor"]}
    ).json()
    everything = api.get(f"{URL}/poll").json()

    pushed = [json.loads(request.body) for request in receiver.requests]
    assert [item["recipient"]["name"] for item in pushed] == ["Ada", "Bob"]
    assert first["items"] == [pushed[1]]
    assert second["items"] == [pushed[0]]
    assert second["next_cursor"] is None
    assert [item["type"] for item in everything["items"]] == [
        "credential.revoked",
        "credential.claimed",
        "credential.claimed",
    ]


def test_it_refuses_an_unknown_type_or_a_bad_cursor_when_polled(api: Client) -> None:
    unknown = api.get(f"{URL}/poll", {"types": "email.opened,email.sent"})
    cursor = api.get(f"{URL}/poll", {"cursor": "abc"})

    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["query", "types"]
    assert "Unknown event type email.sent" in unknown.json()["detail"][0]["msg"]
    assert cursor.status_code == 422
