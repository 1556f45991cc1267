"""Posting the captured payloads (payloads/<provider>/*.json) to the providers' real
webhook URLs the way each provider does: its content type, its headers, its
authentication (basic auth, Mailgun's HMAC signature); and a recipient sent through a
provider backend that gave the message the id the payload names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from anymail.backends.test import EmailBackend as AnymailTestBackend
from django.http import HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.certificates.models import Recipient
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send

PAYLOADS = Path(__file__).parent / "payloads"
BASIC_AUTH = "conferral:webhook-secret"
SIGNING_KEY = "mailgun-signing-key"
WRONG = "intruder:guess"


class PayloadIdBackend(AnymailTestBackend):  # type: ignore[misc]  # anymail is untyped
    """A provider that gives each message the id its address is mapped to."""

    ids: ClassVar[dict[str, str]] = {}

    def get_esp_message_id(self, message: Any) -> str:
        return self.ids[message.anymail_test_params["to"][0].addr_spec]


def payload(esp: str, name: str) -> Any:
    return json.loads((PAYLOADS / esp / f"{name}.json").read_text(encoding="utf-8"))


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def _mailgun_signed(body: dict[str, Any], key: str) -> dict[str, Any]:
    # Mailgun's token is new for every call (django-anymail takes it as the event id).
    token = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:50]
    timestamp = "1534110422"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        **body,
        "signature": {"token": token, "timestamp": timestamp, "signature": signature.hexdigest()},
    }


def post_webhook(client: Client, esp: str, body: Any, *, right: bool = True) -> HttpResponse:
    """POST `body` as `esp` would, with the right credentials or wrong ones."""
    url = f"/anymail/{esp}/tracking/"
    headers = {"Authorization": _basic(BASIC_AUTH if right else WRONG)}
    content_type = "application/json"
    if esp == "mailgun":
        body = _mailgun_signed(body, SIGNING_KEY if right else "not-the-key")
    elif esp == "amazon_ses":
        # SNS posts its JSON as text/plain, with the type and id repeated in headers.
        content_type = "text/plain; charset=UTF-8"
        headers["X-Amz-Sns-Message-Id"] = body["MessageId"]
        headers["X-Amz-Sns-Message-Type"] = body["Type"]
    response = client.post(url, json.dumps(body), content_type=content_type, headers=headers)
    assert isinstance(response, HttpResponse)
    return response


@pytest.fixture
def webhook_secrets(settings: SettingsWrapper) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


@pytest.fixture
def sent_through_provider(
    settings: SettingsWrapper, add_recipients: Callable[..., list[Recipient]]
) -> Iterator[Callable[[str, str], Recipient]]:
    """A recipient with `address`, whose certificate email the provider accepted as
    `message_id`."""
    settings.EMAIL_URL = f"django://{__name__}.PayloadIdBackend"

    def send(address: str, message_id: str) -> Recipient:
        [recipient] = add_recipients((address.split("@")[0].title(), address))
        PayloadIdBackend.ids[address] = message_id
        certificate_send(certificate=recipient.certificate)
        deliver_due()
        recipient.refresh_from_db()
        return recipient

    yield send
    PayloadIdBackend.ids.clear()
