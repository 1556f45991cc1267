"""The two webhook types that are about the recipient itself: `credential.erased`
(ids only, and the payloads of its earlier deliveries scrubbed) and `recipient.created`
(one per recipient added through the API, the dashboard form or an import, only when
an endpoint asked for it), each delivered to a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_create, user_create
from conferral.certificates.credentials import credential_claim
from conferral.certificates.erasure import recipient_erase
from conferral.certificates.importing import recipients_import_path
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.webhooks.models import Attempt, Delivery
from conferral.webhooks.services import Registered
from conferral.webhooks.tests.conftest import Receiver

CaptureOnCommit = Callable[..., Any]


def test_it_delivers_the_erasure_with_ids_only_and_scrubs_earlier_payloads(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe("credential.claimed", "credential.erased")
    with django_capture_on_commit_callbacks(execute=True):
        credential_claim(recipient=person, channel=Channel.EMAIL)
    assert "ada@example.com" in receiver.requests[0].body

    with django_capture_on_commit_callbacks(execute=True):
        recipient_erase(recipient=person, by="owner@acme.test")

    erased = json.loads(receiver.requests[-1].body)
    assert erased["type"] == "credential.erased"
    assert erased["recipient"] == {
        "id": person.public_id,
        "credential_id": person.credential_id,
        "erased": True,
    }
    assert erased["detail"] == {"by": "owner@acme.test"}
    for row in Delivery.objects.filter(recipient=person).values("body", "detail"):
        assert "ada@example.com" not in json.dumps(row)
        assert "Lovelace" not in json.dumps(row)
    assert not Attempt.objects.filter(answer__contains="ada@example.com").exists()


def test_it_announces_recipients_added_through_the_api_the_form_and_an_import(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    org: Organization,
    certificate: Certificate,
    tmp_path: Path,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe("recipient.created")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {apikey_create(organization=org)}")
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    dashboard = Client()
    dashboard.login(username="owner@acme.test", password="correct horse battery")
    listing = tmp_path / "list.csv"
    listing.write_text("name,email\nCy,cy@example.com\nDee,dee@example.com\n", encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/certificates/{certificate.public_id}/recipients",
            {"recipients": [{"name": "Ada", "email": "ada@example.com"}]},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = dashboard.post(
            reverse("dashboard:recipient_add", kwargs={"certificate_id": certificate.public_id}),
            {"name": "Bob", "email": "bob@example.com"},
        )
        assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert recipients_import_path(certificate=certificate, path=listing) == 2

    payloads = [json.loads(request.body) for request in receiver.requests]
    assert [p["type"] for p in payloads] == ["recipient.created"] * 4
    assert sorted(p["recipient"]["name"] for p in payloads) == ["Ada", "Bob", "Cy", "Dee"]
    ids = set(Recipient.objects.filter(certificate=certificate).values_list("public_id", flat=True))
    assert {p["recipient"]["id"] for p in payloads} == ids
    assert len({p["id"] for p in payloads}) == 4


def test_it_writes_nothing_for_recipients_nobody_asked_about(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    add_recipients: Callable[..., list[Recipient]],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe("credential.claimed")

    with django_capture_on_commit_callbacks(execute=True):
        add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))

    assert not Delivery.objects.exists()
    assert receiver.requests == []
