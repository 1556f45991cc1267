"""certificate_send and recipient_resend: who is queued, with which status, and the
clear errors when there is nothing (or something wrong) to send."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Certificate, CertificateState, Event, EventType, Recipient
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    ServiceError,
    certificate_create,
    recipients_add,
)
from conferral.certificates.status import EmailStatus, Status
from conferral.delivery import services
from conferral.delivery.services import certificate_send, recipient_resend


def test_it_refuses_a_send_to_a_certificate_without_recipients(certificate: Certificate) -> None:
    with pytest.raises(ServiceError, match="no recipients to send to"):
        certificate_send(certificate=certificate)
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.DRAFT


def test_it_refuses_a_second_send_when_everyone_was_already_sent(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada", "ada@example.com"), ("No Address", ""))
    assert certificate_send(certificate=certificate).queued == 1
    with pytest.raises(ServiceError, match="no recipients to send to"):
        certificate_send(certificate=certificate)
    assert Event.objects.filter(type=EventType.EMAIL_QUEUED).count() == 1


def test_it_queues_every_not_sent_recipient_with_an_address_by_default(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    ada, bob, nobody, revoked = add_recipients(
        ("Ada", "ada@example.com"),
        ("Bob", "bob@example.com"),
        ("Nobody", ""),
        ("Revoked", "revoked@example.com"),
    )
    recipient_revoke(recipient=revoked, reason="Issued by mistake")

    assert certificate_send(certificate=certificate).queued == 2

    rows = {r.pk: r for r in Recipient.objects.all()}
    assert rows[ada.pk].email_status == EmailStatus.SENDING
    assert rows[ada.pk].status == Status.PENDING
    assert rows[ada.pk].next_attempt_at is not None
    assert rows[bob.pk].email_status == EmailStatus.SENDING
    assert rows[nobody.pk].email_status == EmailStatus.NOT_PROVIDED
    assert rows[revoked.pk].email_status == EmailStatus.NOT_SENT
    assert rows[revoked.pk].next_attempt_at is None
    queued = Event.objects.filter(type=EventType.EMAIL_QUEUED)
    assert sorted(queued.values_list("recipient_id", flat=True)) == sorted([ada.pk, bob.pk])
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.PUBLISHED


def test_it_queues_a_large_list_in_chunks(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "QUEUE_CHUNK", 7)
    rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(1, 51))
    recipients_add(certificate=certificate, rows=rows, keep=False)

    with CaptureQueriesContext(connection) as queries:
        assert certificate_send(certificate=certificate).queued == 50

    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len([q for q in updates if "certificates_recipient" in q["sql"]]) == 8
    assert Recipient.objects.filter(email_status=EmailStatus.SENDING).count() == 50
    assert Event.objects.filter(type=EventType.EMAIL_QUEUED).count() == 50


def test_it_names_every_unknown_foreign_or_unsendable_id_and_queues_nothing(
    org: object,
    other_org: object,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    ada, nobody = add_recipients(("Ada", "ada@example.com"), ("Nobody", ""))
    other = certificate_create(organization=other_org, name="Other")  # type: ignore[arg-type]
    [foreign] = add_recipients(("Foreign", "f@example.com"), cert=other)

    with pytest.raises(RecipientsInvalid) as raised:
        certificate_send(
            certificate=certificate,
            recipient_ids=[ada.public_id, "nope", foreign.public_id, nobody.public_id],
        )

    messages = [str(error) for error in raised.value.errors]
    assert [error.row for error in raised.value.errors] == [1, 2, 3]
    assert "no recipient nope" in messages[0]
    assert foreign.public_id in messages[1]
    assert "has no email address" in messages[2]
    assert not Recipient.objects.filter(next_attempt_at__isnull=False).exists()
    assert not Event.objects.exists()


def test_it_refuses_an_empty_selection(certificate: Certificate) -> None:
    with pytest.raises(ServiceError, match="No recipients were selected"):
        certificate_send(certificate=certificate, recipient_ids=[])


def test_it_resends_a_selection_keeping_later_stages_and_retrying_bounces(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    opened, clicked, bounced, delivered = add_recipients(
        ("Opened", "o@example.com"),
        ("Clicked", "c@example.com"),
        ("Bounced", "b@example.com"),
        ("Delivered", "d@example.com"),
    )
    for recipient, status in (
        (opened, EmailStatus.OPENED),
        (clicked, EmailStatus.CLICKED),
        (bounced, EmailStatus.BOUNCED),
        (delivered, EmailStatus.DELIVERED),
    ):
        Recipient.objects.filter(pk=recipient.pk).update(email_status=status, bounce_kind="")
    Recipient.objects.filter(pk=bounced.pk).update(bounce_kind="hard")

    result = certificate_send(
        certificate=certificate,
        recipient_ids=[r.public_id for r in (opened, clicked, bounced, delivered)],
    )

    assert result.queued == 4
    rows = {r.pk: r for r in Recipient.objects.all()}
    assert rows[opened.pk].email_status == EmailStatus.OPENED
    assert rows[clicked.pk].email_status == EmailStatus.CLICKED
    assert rows[bounced.pk].email_status == EmailStatus.SENDING
    assert rows[bounced.pk].bounce_kind == ""
    assert rows[delivered.pk].email_status == EmailStatus.SENDING
    assert all(row.next_attempt_at is not None for row in rows.values())


def test_it_schedules_a_send_for_later(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    at = timezone.now() + dt.timedelta(hours=3)

    certificate_send(certificate=certificate, at=at)

    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SCHEDULED
    assert ada.status == Status.PENDING
    assert ada.next_attempt_at == at
    queued = Event.objects.get(recipient=ada, type=EventType.EMAIL_QUEUED)
    assert queued.detail["scheduled_for"] == at.isoformat()


def test_it_refuses_a_naive_send_time(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    with pytest.raises(ServiceError, match="time zone"):
        certificate_send(certificate=certificate, at=dt.datetime.fromisoformat("2030-01-01T12:00"))


def test_it_resends_one_recipient_as_a_nudge(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    Recipient.objects.filter(pk=ada.pk).update(email_status=EmailStatus.DELIVERED)
    ada.refresh_from_db()

    recipient_resend(recipient=ada)

    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SENDING
    event = Event.objects.get(recipient=ada, type=EventType.EMAIL_QUEUED)
    assert event.detail == {"resend": True}


def test_it_refuses_to_resend_without_an_address_or_to_a_revoked_credential(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    nobody, revoked = add_recipients(("Nobody", ""), ("Revoked", "r@example.com"))
    revoked = recipient_revoke(recipient=revoked, reason="Duplicate")

    with pytest.raises(ServiceError, match="no email address"):
        recipient_resend(recipient=nobody)
    with pytest.raises(ServiceError, match="revoked"):
        recipient_resend(recipient=revoked)
    assert not Event.objects.filter(type=EventType.EMAIL_QUEUED).exists()
