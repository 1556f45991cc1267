"""A provider's webhook acts only on calls that prove they come from the provider: the
basic-auth secret, Mailgun's signature. Anything else is refused and records nothing,
and a webhook whose secret is not configured refuses every call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.certificates.models import Event, Recipient
from conferral.certificates.status import EmailStatus
from conferral.providers.models import ProviderEvent
from conferral.providers.tests.conftest import BASIC_AUTH, SIGNING_KEY, payload, post_webhook

Send = Callable[[str, str], Recipient]

# One hard bounce per provider: what a forged call would most like to cause.
BOUNCES = [
    ("postmark", "bounce_event", "bounce@example.com", "2706ee8a-737c-4285-b032-ccd317af53ed"),
    (
        "mailgun",
        "failed_permanent_event",
        "invalid@example.com",
        "<20180812214658.1.0DF563D0B3597700@example.org>",
    ),
    ("sendgrid", "bounce_event", "noreply@example.com", "de212213-bb66-4302-8f3f-20acdb7a104e"),
    (
        "brevo",
        "hard_bounce",
        "not-a-user@example.com",
        "<201803011158.9876543210@smtp-relay.mailin.fr>",
    ),
    (
        "amazon_ses",
        "bounce_event",
        "jane@example.com",
        "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
    ),
]


@pytest.mark.usefixtures("webhook_secrets")
@pytest.mark.parametrize(("esp", "name", "address", "message_id"), BOUNCES)
def test_it_refuses_a_call_with_the_wrong_credentials_and_records_nothing(
    client: Client, sent_through_provider: Send, esp: str, name: str, address: str, message_id: str
) -> None:
    recipient = sent_through_provider(address, message_id)
    events = Event.objects.count()

    response = post_webhook(client, esp, payload(esp, name), right=False)

    assert response.status_code == 400
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert Event.objects.count() == events
    assert not ProviderEvent.objects.exists()
    # The same call, authenticated, is taken.
    assert post_webhook(client, esp, payload(esp, name)).status_code == 200
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.BOUNCED


@pytest.mark.usefixtures("webhook_secrets")
@pytest.mark.parametrize("esp", ["postmark", "sendgrid", "brevo"])
def test_it_refuses_a_call_without_credentials(client: Client, esp: str) -> None:
    response = client.post(f"/anymail/{esp}/tracking/", "[]", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.usefixtures("webhook_secrets")
def test_it_asks_amazon_sns_for_basic_auth_and_confirms_no_subscription_without_it(
    client: Client,
) -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e2425c464de257efc7",
        "TopicArn": "arn:aws:sns:us-west-2:123456789012:SES_Notifications",
        "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription",
    }
    headers = {
        "X-Amz-Sns-Message-Id": confirmation["MessageId"],
        "X-Amz-Sns-Message-Type": "SubscriptionConfirmation",
    }
    url = "/anymail/amazon_ses/tracking/"

    asked = client.post(url, json.dumps(confirmation), content_type="text/plain", headers=headers)
    # (A confirmation with the right secret would call Amazon, which tests never reach.)
    refused = post_webhook(client, "amazon_ses", confirmation, right=False)

    assert asked.status_code == 401
    assert asked["WWW-Authenticate"].startswith("Basic ")
    assert refused.status_code == 400


UNCONFIGURED = [
    ("postmark", {}, "WEBHOOK_SECRET"),
    ("brevo", {}, "WEBHOOK_SECRET"),
    ("amazon_ses", {}, "WEBHOOK_SECRET"),
    ("sendgrid", {}, "WEBHOOK_SECRET or SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY"),
    # Basic auth alone does not do for Mailgun: its signature is what proves the call.
    ("mailgun", {"WEBHOOK_SECRET": BASIC_AUTH}, "MAILGUN_WEBHOOK_SIGNING_KEY or MAILGUN_API_KEY"),
]


@pytest.mark.parametrize(("esp", "anymail", "missing"), UNCONFIGURED)
def test_it_refuses_every_call_to_a_webhook_whose_secret_is_not_configured(
    client: Client,
    settings: Settings,
    sent_through_provider: Send,
    esp: str,
    anymail: dict[str, str],
    missing: str,
) -> None:
    name, address, message_id = next(case[1:] for case in BOUNCES if case[0] == esp)
    recipient = sent_through_provider(address, message_id)
    settings.ANYMAIL = anymail

    response = post_webhook(client, esp, payload(esp, name))

    assert response.status_code == 403
    assert f"set {missing} in CONFERRAL_ANYMAIL" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert not ProviderEvent.objects.exists()


def test_it_checks_mailgun_calls_by_their_signature_alone_without_basic_auth(
    client: Client, settings: Settings, sent_through_provider: Send
) -> None:
    name, address, message_id = BOUNCES[1][1:]
    recipient = sent_through_provider(address, message_id)
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}

    forged = post_webhook(client, "mailgun", payload("mailgun", name), right=False)
    assert forged.status_code == 400
    assert not ProviderEvent.objects.exists()
    assert post_webhook(client, "mailgun", payload("mailgun", name)).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.BOUNCED
