"""Providers retry until they see a 200 and replay after an outage: an event applied
once changes nothing the second time. An event about a message Conferral did not send
(or not to that address) is answered 200, remembered and otherwise ignored."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from django.test import Client

from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.services import recipient_update
from conferral.certificates.status import EmailStatus
from conferral.providers.models import ProviderEvent
from conferral.providers.tests.conftest import payload, post_webhook

pytestmark = pytest.mark.usefixtures("webhook_secrets")

Send = Callable[[str, str], Recipient]
POSTMARK = ("bounce@example.com", "2706ee8a-737c-4285-b032-ccd317af53ed")
OPENED = ("recipient@example.com", "f4830d10-9c35-4f0c-bca3-3d9b459821f8")


def _state(recipient: Recipient) -> tuple[object, ...]:
    recipient.refresh_from_db()
    return (
        recipient.email_status,
        recipient.bounce_kind,
        recipient.bounced_at,
        recipient.opened_at,
        Event.objects.filter(recipient=recipient).count(),
    )


@pytest.mark.parametrize(
    ("esp", "name", "sent"),
    [
        # Postmark names its bounces (an event id of its own) ...
        ("postmark", "bounce_event", POSTMARK),
        # ... but not its opens: the id is derived from what the event says.
        ("postmark", "open_event", OPENED),
        (
            "brevo",
            "spam",
            ("recipient@example.com", "<201803011158.9876543210@smtp-relay.mailin.fr>"),
        ),
    ],
)
def test_it_changes_nothing_when_an_event_is_reported_again(
    client: Client, sent_through_provider: Send, esp: str, name: str, sent: tuple[str, str]
) -> None:
    recipient = sent_through_provider(*sent)
    assert post_webhook(client, esp, payload(esp, name)).status_code == 200
    after_first = _state(recipient)

    assert post_webhook(client, esp, payload(esp, name)).status_code == 200

    assert _state(recipient) == after_first
    assert ProviderEvent.objects.count() == 1


def test_it_applies_two_events_of_one_message_that_differ_only_in_their_time(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(*OPENED)
    first = payload("postmark", "open_event")
    second = copy.deepcopy(first)
    second["ReceivedAt"] = "2016-04-27T16:25:00.0000000-04:00"

    for body in (first, second):
        assert post_webhook(client, "postmark", body).status_code == 200

    assert Event.objects.filter(recipient=recipient, type=EventType.EMAIL_OPENED).count() == 2
    assert ProviderEvent.objects.count() == 2


def test_it_answers_200_and_records_no_effect_for_a_message_it_did_not_send(
    client: Client, sent_through_provider: Send
) -> None:
    other = sent_through_provider("bounce@example.com", "a-message-of-ours")

    response = post_webhook(client, "postmark", payload("postmark", "bounce_event"))

    assert response.status_code == 200
    other.refresh_from_db()
    assert other.email_status == EmailStatus.DELIVERED
    unmatched = ProviderEvent.objects.get()
    assert unmatched.recipient is None
    assert unmatched.message_id == "2706ee8a-737c-4285-b032-ccd317af53ed"
    assert (unmatched.esp_name, unmatched.event_id) == ("Postmark", "901542550")
    assert not Event.objects.filter(type=EventType.EMAIL_BOUNCED).exists()


def test_it_ignores_a_bounce_for_an_address_the_recipient_no_longer_has(
    client: Client, sent_through_provider: Send
) -> None:
    recipient = sent_through_provider(*POSTMARK)
    # The message went to bounce@; the issuer has corrected the address since.
    recipient = recipient_update(recipient=recipient, email="bounced@example.com")

    assert post_webhook(client, "postmark", payload("postmark", "bounce_event")).status_code == 200

    recipient.refresh_from_db()
    assert recipient.email_status == EmailStatus.DELIVERED
    assert ProviderEvent.objects.get().recipient is None
    assert not Event.objects.filter(type=EventType.EMAIL_BOUNCED).exists()
