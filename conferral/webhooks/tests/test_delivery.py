"""Events reach a real receiver on 127.0.0.1, signed; failures are retried on the
schedule, a receiver that keeps failing is disabled and its owners told, a 410
unsubscribes, redirects are not followed, and a slow receiver is cut off."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.credentials import credential_claim, recipient_revoke
from conferral.certificates.models import Channel, Recipient
from conferral.webhooks.models import Delivery, DeliveryStatus, Endpoint
from conferral.webhooks.retries import DISABLE_AFTER, DISABLE_AFTER_FAILURES
from conferral.webhooks.sending import deliveries_send_due
from conferral.webhooks.services import Registered, delivery_replay
from conferral.webhooks.signing import signature_valid
from conferral.webhooks.tests.conftest import Receiver, Reply

CaptureOnCommit = Callable[..., Any]


def _claim(person: Recipient, capture: CaptureOnCommit) -> None:
    with capture(execute=True):
        credential_claim(recipient=person, channel=Channel.EMAIL)


def _send_again(delivery: Delivery) -> None:
    """The retry's time has come."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliveries_send_due(time_budget=30)


def test_it_delivers_a_claim_signed_with_the_endpoint_secret(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    registered = subscribe("credential.claimed")

    _claim(person, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    timestamp = headers["conferral-webhook-timestamp"]
    expected = hmac.new(
        registered.secret.encode(), f"{timestamp}.{request.body}".encode(), hashlib.sha256
    ).hexdigest()
    assert headers["conferral-webhook-signature"] == f"v1={expected}"
    assert signature_valid(
        secret=registered.secret,
        timestamp=timestamp,
        body=request.body,
        header=headers["conferral-webhook-signature"],
    )
    assert not signature_valid(
        secret="whsec_wrong", timestamp=timestamp, body=request.body, header=f"v1={expected}"
    )
    assert headers["content-type"] == "application/json"
    payload = json.loads(request.body)
    assert payload["version"] == 1
    assert payload["type"] == "credential.claimed"
    assert payload["channel"] == "email"
    assert payload["machine"] is False
    assert payload["recipient"]["id"] == person.public_id
    assert payload["recipient"]["email"] == "ada@example.com"
    assert payload["certificate"]["name"] == "Python Fundamentals"
    delivery = Delivery.objects.get()
    assert headers["conferral-webhook-id"] == delivery.public_id
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [attempt] = delivery.log.all()
    assert attempt.status_code == 200
    assert attempt.answer == "ok"


def test_it_sends_only_the_types_an_endpoint_chose(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe("credential.revoked")

    _claim(person, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        recipient_revoke(recipient=person, reason="Issued by mistake")

    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["credential.revoked"]
    assert json.loads(receiver.requests[0].body)["detail"] == {"reason": "Issued by mistake"}


def test_it_retries_a_failed_delivery_with_the_same_id_and_body(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    receiver.answer(Reply(500, "database down"))
    before = timezone.now()

    _claim(person, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + dt.timedelta(minutes=1)
    assert delivery.log.get().answer == "database down"
    deliveries_send_due(time_budget=30)
    assert len(receiver.requests) == 1  # not due yet

    _send_again(delivery)

    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["Conferral-Webhook-Id"] == second.headers["Conferral-Webhook-Id"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [a.status_code for a in delivery.log.all()] == [200, 500]


def test_it_gives_up_on_a_delivery_after_its_day_of_retries(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    receiver.answer(Reply(503), Reply(503))
    _claim(person, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(give_up_at=timezone.now())

    _send_again(delivery)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert delivery.attempts == 2


def test_it_disables_an_endpoint_that_keeps_failing_and_tells_its_owners(
    org: Organization,
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    endpoint = subscribe().endpoint
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failures=DISABLE_AFTER_FAILURES - 1,
        failing_since=timezone.now() - DISABLE_AFTER - dt.timedelta(minutes=1),
    )
    receiver.answer(Reply(500))

    _claim(person, django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    [message] = mail.outbox
    assert message.to == ["owner@acme.test"]
    assert "disabled" in message.subject
    assert receiver.url() in message.body
    assert f"/organizations/{org.public_id}/webhooks/" in message.body
    # Nothing more goes to it, and what waits is kept.
    _send_again(Delivery.objects.get())
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_it_does_not_disable_an_endpoint_after_a_short_outage(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    endpoint = subscribe().endpoint
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failures=DISABLE_AFTER_FAILURES + 5, failing_since=timezone.now() - dt.timedelta(hours=1)
    )
    receiver.answer(Reply(500))

    _claim(person, django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert endpoint.disabled_at is None
    _send_again(Delivery.objects.get())
    endpoint.refresh_from_db()
    assert (endpoint.failures, endpoint.failing_since) == (0, None)


def test_it_unsubscribes_an_endpoint_that_answers_gone(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    receiver.answer(Reply(410, "no such hook"))

    _claim(person, django_capture_on_commit_callbacks)

    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()


def test_it_does_not_follow_a_redirect(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    receiver.answer(Reply(302, "", headers={"Location": receiver.url("/elsewhere")}))

    _claim(person, django_capture_on_commit_callbacks)

    assert [r.path for r in receiver.requests] == ["/hooks"]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.log.get().status_code == 302


def test_it_cuts_off_a_receiver_that_answers_too_late(
    settings: Any,
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    subscribe()
    receiver.answer(Reply(200, delay=3.0))

    _claim(person, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    attempt = delivery.log.get()
    assert attempt.status_code is None
    assert "No answer within 0.5 seconds" in attempt.error


def test_it_replays_a_delivery_with_the_same_id(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    _claim(person, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=delivery)

    first, second = receiver.requests
    assert first.body == second.body
    assert second.headers["Conferral-Webhook-Id"] == delivery.public_id
    assert delivery.log.count() == 2


def test_it_leaves_a_delivery_another_sender_holds(
    receiver: Receiver,
    subscribe: Callable[..., Registered],
    person: Recipient,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    subscribe()
    receiver.answer(Reply(500))
    _claim(person, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(),
        lease_owner="another-worker",
        lease_until=timezone.now() + dt.timedelta(minutes=5),
    )

    deliveries_send_due(time_budget=30)

    assert len(receiver.requests) == 1
