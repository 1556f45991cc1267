from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, CertificateState, Event, EventType, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.certificates.status import EmailStatus


def send(api: Client, certificate: Certificate, body: Any = None) -> Any:
    path = f"/api/v1/certificates/{certificate.public_id}/send"
    if body is None:  # no body at all, as `curl -X POST` sends
        return api.generic("POST", path)
    return api.post(path, body, content_type="application/json")


def test_it_queues_every_not_sent_recipient_with_an_address(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"), ("Cy", ""))
    response = send(api, certificate)
    assert response.status_code == 202, response.content
    assert response.json() == {"queued": 2, "skipped": {"hard_bounce": 0, "complaint": 0}}
    statuses = dict(Recipient.objects.values_list("name", "email_status"))
    assert statuses == {"Ada": "sending", "Bob": "sending", "Cy": "not_provided"}
    assert Event.objects.filter(type=EventType.EMAIL_QUEUED).count() == 2
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.PUBLISHED
    again = send(api, certificate, {})
    assert again.status_code == 409
    assert isinstance(again.json()["detail"], str)


def test_it_schedules_a_selection_for_later(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    ada, bob = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    at = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    response = send(api, certificate, {"recipient_ids": [bob.public_id], "at": at.isoformat()})
    assert response.status_code == 202, response.content
    assert response.json() == {"queued": 1, "skipped": {"hard_bounce": 0, "complaint": 0}}
    bob.refresh_from_db()
    ada.refresh_from_db()
    assert bob.email_status == EmailStatus.SCHEDULED
    assert bob.next_attempt_at == at
    assert ada.email_status == EmailStatus.NOT_SENT
    listed = api.get(f"/api/v1/recipients/{bob.public_id}").json()
    assert listed["status"] == "pending"


def test_it_reads_a_time_without_offset_as_utc(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    response = send(api, certificate, {"at": "2099-01-31T14:00:00"})
    assert response.status_code == 202
    ada.refresh_from_db()
    assert ada.next_attempt_at == dt.datetime(2099, 1, 31, 14, 0, tzinfo=dt.UTC)


def test_it_rejects_a_bad_time_and_bad_ids_and_queues_nothing(
    api: Client,
    org: Organization,
    other_org: Organization,
    certificate: Certificate,
    add_recipients: Any,
) -> None:
    ada, no_address = add_recipients(("Ada", "ada@example.com"), ("No address", ""))
    foreign_cert = certificate_create(organization=other_org, name="Theirs")
    [foreign] = recipients_add(
        certificate=foreign_cert, rows=[RawRow(0, "Theirs", "t@example.com")]
    ).recipients
    bad_time = send(api, certificate, {"at": "next tuesday"})
    assert bad_time.status_code == 422
    assert [e["loc"] for e in bad_time.json()["detail"]] == [["at"]]
    bad_ids = send(
        api,
        certificate,
        {"recipient_ids": [ada.public_id, foreign.public_id, "nope", no_address.public_id]},
    )
    assert bad_ids.status_code == 422
    assert [e["loc"] for e in bad_ids.json()["detail"]] == [
        ["recipient_ids", 1],
        ["recipient_ids", 2],
        ["recipient_ids", 3],
    ]
    empty = send(api, certificate, {"recipient_ids": []})
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["recipient_ids"]
    assert not Event.objects.exists()
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {
        EmailStatus.NOT_SENT,
        EmailStatus.NOT_PROVIDED,
    }


def test_it_refuses_to_send_a_certificate_without_recipients(
    api: Client, certificate: Certificate
) -> None:
    response = send(api, certificate)
    assert response.status_code == 409
    assert "no recipients" in response.json()["detail"]


def test_it_resends_one_recipient(api: Client, add_recipients: Any) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    Recipient.objects.filter(pk=ada.pk).update(
        email_status=EmailStatus.DELIVERED,
        first_sent_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    response = api.post(f"/api/v1/recipients/{ada.public_id}/resend")
    assert response.status_code == 202
    assert response.json() == {"queued": 1}
    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SENDING
    queued = Event.objects.get(recipient=ada, type=EventType.EMAIL_QUEUED)
    assert queued.detail == {"resend": True}


def test_it_refuses_to_resend_without_an_address_or_when_revoked(
    api: Client, add_recipients: Any
) -> None:
    none, revoked = add_recipients(("None", ""), ("Revoked", "r@example.com"))
    Recipient.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    for recipient in (none, revoked):
        response = api.post(f"/api/v1/recipients/{recipient.public_id}/resend")
        assert response.status_code == 409
        assert response.json()["detail"]
    assert not Event.objects.exists()
