"""An address on the organization's suppression list is not sent to again: each send
skips it with an `email.suppressed` event and says how many it skipped; the issuer's
explicit override lifts the entry and sends; a corrected address is not suppressed.
Through a real SMTP server on 127.0.0.1, the dashboard and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.services import ServiceError, certificate_create, recipient_update
from conferral.certificates.statements import EVENT_ROWS_A_STATEMENT
from conferral.certificates.status import EmailStatus
from conferral.cli.main import app
from conferral.delivery.feedback import email_complaint_record
from conferral.delivery.models import Suppression, SuppressionReason
from conferral.delivery.pipeline import DeliverReport
from conferral.delivery.services import (
    QUEUE_CHUNK,
    AddressSuppressed,
    certificate_send,
    recipient_resend,
)
from conferral.delivery.suppression import suppression_add, suppression_of
from conferral.testing.smtp import Answer, SmtpServer

Deliver = Callable[[], DeliverReport]
AddRecipients = Callable[..., list[Recipient]]


def _suppressed_events(recipient: Recipient) -> list[Event]:
    return list(Event.objects.filter(recipient=recipient, type=EventType.EMAIL_SUPPRESSED))


@pytest.fixture
def bounced_bob(
    smtp: SmtpServer, certificate: Certificate, add_recipients: AddRecipients, deliver: Deliver
) -> Recipient:
    """Bob's address was refused for good (550 5.1.1) by the SMTP server, in a first
    certificate's send."""
    [bob] = add_recipients(("Bob", "bob@example.com"))
    smtp.answer(Answer.REJECT, to="bob@example.com")
    certificate_send(certificate=certificate)
    deliver()
    bob.refresh_from_db()
    assert bob.email_status == EmailStatus.BOUNCED
    return bob


def test_it_skips_a_hard_bounced_address_on_the_next_send_with_an_event_and_a_count(
    org: Organization, bounced_bob: Recipient, add_recipients: AddRecipients, smtp: SmtpServer
) -> None:
    entry = suppression_of(org, "bob@example.com")
    assert entry is not None
    assert entry.reason == SuppressionReason.HARD_BOUNCE
    second = certificate_create(organization=org, name="Advanced Python")
    bob, ada = add_recipients(("Bob", "Bob@Example.com"), ("Ada", "ada@example.com"), cert=second)

    result = certificate_send(certificate=second)

    assert result.queued == 1
    assert result.skipped == {SuppressionReason.HARD_BOUNCE: 1}
    assert "1 address was skipped: it bounced or complained before." in result.skipped_text()
    bob.refresh_from_db()
    ada.refresh_from_db()
    assert bob.email_status == EmailStatus.NOT_SENT
    assert ada.email_status == EmailStatus.SENDING
    [event] = _suppressed_events(bob)
    assert event.detail["reason"] == SuppressionReason.HARD_BOUNCE
    assert event.detail["since"] == entry.created_at.isoformat()
    assert _suppressed_events(ada) == []


def test_it_refuses_a_send_where_every_address_is_suppressed_and_keeps_the_skips(
    org: Organization, bounced_bob: Recipient, add_recipients: AddRecipients
) -> None:
    second = certificate_create(organization=org, name="Advanced Python")
    [bob] = add_recipients(("Bob", "bob@example.com"), cert=second)

    with pytest.raises(ServiceError, match="1 address was skipped"):
        certificate_send(certificate=second)
    with pytest.raises(ServiceError, match="1 address was skipped"):
        certificate_send(certificate=second, recipient_ids=[bob.public_id])

    assert len(_suppressed_events(bob)) == 2  # one per skip


def test_it_refuses_a_resend_of_a_suppressed_address_until_it_is_overridden(
    bounced_bob: Recipient, smtp: SmtpServer, deliver: Deliver
) -> None:
    with pytest.raises(AddressSuppressed, match="bounced for good") as refused:
        recipient_resend(recipient=bounced_bob)
    assert "bob@example.com is on the suppression list" in str(refused.value)
    assert len(_suppressed_events(bounced_bob)) == 1

    smtp.answer(Answer.ACCEPT, to="bob@example.com")
    recipient_resend(recipient=bounced_bob, override_suppression=True)
    deliver()

    bounced_bob.refresh_from_db()
    assert bounced_bob.email_status == EmailStatus.DELIVERED
    assert suppression_of(bounced_bob.certificate.organization_id, "bob@example.com") is None


def test_it_does_not_suppress_a_corrected_address_and_keeps_the_old_entry(
    org: Organization, bounced_bob: Recipient, smtp: SmtpServer, deliver: Deliver
) -> None:
    fixed = recipient_update(recipient=bounced_bob, name="Bob", email="robert@example.com")
    recipient_resend(recipient=fixed)
    deliver()

    fixed.refresh_from_db()
    assert fixed.email_status == EmailStatus.DELIVERED
    assert smtp.received_by("robert@example.com")
    assert suppression_of(org, "robert@example.com") is None
    assert suppression_of(org, "bob@example.com") is not None
    assert _suppressed_events(fixed) == []


def test_it_suppresses_an_address_that_complained_in_another_certificate(
    org: Organization, smtp: SmtpServer, add_recipients: AddRecipients, deliver: Deliver
) -> None:
    first = certificate_create(organization=org, name="First")
    [cy] = add_recipients(("Cy", "cy@example.com"), cert=first)
    certificate_send(certificate=first)
    deliver()
    email_complaint_record(recipient=cy, feedback="abuse", source="arf")
    second = certificate_create(organization=org, name="Second")
    cy_again, _dee = add_recipients(
        ("Cy", "cy@example.com"), ("Dee", "dee@example.com"), cert=second
    )

    result = certificate_send(certificate=second)

    assert (result.queued, result.skipped) == (1, {SuppressionReason.COMPLAINT: 1})
    [event] = _suppressed_events(cy_again)
    assert event.detail["reason"] == SuppressionReason.COMPLAINT
    with pytest.raises(AddressSuppressed, match="marked an email from us as spam"):
        recipient_resend(recipient=cy_again)


def test_it_writes_the_skips_of_a_big_send_in_bulk(
    org: Organization, certificate: Certificate, add_recipients: AddRecipients
) -> None:
    count = QUEUE_CHUNK + 200
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(count)])
    for i in range(0, count, 2):
        suppression_add(
            organization_id=org.pk, email=f"p{i}@example.com", reason=SuppressionReason.HARD_BOUNCE
        )
    # Two imports of bounces: every entry of one has the same time.
    first, second = timezone.now() - dt.timedelta(days=2), timezone.now() - dt.timedelta(days=1)
    Suppression.objects.update(created_at=first)
    Suppression.objects.filter(email__endswith="0@example.com").update(created_at=second)

    with CaptureQueriesContext(connection) as queries:
        result = certificate_send(certificate=certificate)

    assert (result.queued, result.skipped_total) == (count // 2, count // 2)
    skips = Event.objects.filter(type=EventType.EMAIL_SUPPRESSED)
    assert skips.count() == count // 2
    assert skips.values("recipient").distinct().count() == count // 2
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"]]
    # Per chunk, one write for the queued and one per distinct entry time for the
    # skipped: a COPY each on PostgreSQL, on SQLite INSERTs of up to
    # EVENT_ROWS_A_STATEMENT rows (at most one of them partial per write).
    writes = 2 * (1 + 2)
    if connection.vendor == "sqlite":
        assert len(inserts) <= count // EVENT_ROWS_A_STATEMENT + writes
    else:
        assert len(inserts) <= writes


def test_it_tells_the_dashboard_how_many_were_skipped_before_and_after_a_send(
    user_client: Client, org: Organization, bounced_bob: Recipient, add_recipients: AddRecipients
) -> None:
    second = certificate_create(organization=org, name="Advanced Python")
    add_recipients(("Bob", "bob@example.com"), ("Ada", "ada@example.com"), cert=second)
    url = reverse("dashboard:certificate_send", kwargs={"certificate_id": second.public_id})

    confirm = user_client.get(url).content.decode()
    assert "1 of them is skipped: the address bounced or complained before" in confirm

    response = user_client.post(url, follow=True)
    html = response.content.decode()
    assert "1 email is being sent." in html
    assert "1 address was skipped: it bounced or complained before." in html


def test_it_sends_anyway_from_the_recipient_page_after_a_confirmation(
    user_client: Client, org: Organization, bounced_bob: Recipient
) -> None:
    page = reverse("dashboard:recipient", kwargs={"recipient_id": bounced_bob.public_id})
    resend = reverse("dashboard:recipient_resend", kwargs={"recipient_id": bounced_bob.public_id})
    html = user_client.get(page).content.decode()
    assert "is on the suppression list since" in html
    assert 'name="override_suppression"' in html

    refused = user_client.post(resend, follow=True).content.decode()
    assert "bob@example.com is on the suppression list" in refused
    asked = user_client.post(resend, {"override_suppression": "1"})
    assert asked.status_code == 200
    assert "Send to bob@example.com anyway?" in asked.content.decode()
    assert suppression_of(org, "bob@example.com") is not None  # nothing done yet

    done = user_client.post(resend, {"override_suppression": "1", "confirm": "1"}, follow=True)

    assert "The email is being sent to bob@example.com." in done.content.decode()
    assert suppression_of(org, "bob@example.com") is None
    bounced_bob.refresh_from_db()
    assert bounced_bob.email_status == EmailStatus.SENDING


def test_it_answers_a_resend_of_a_suppressed_address_with_409_and_the_reason(
    api: Client, bounced_bob: Recipient
) -> None:
    path = f"/api/v1/recipients/{bounced_bob.public_id}/resend"

    refused = api.post(path)
    assert refused.status_code == 409
    assert "on the suppression list: it bounced for good" in refused.json()["detail"]

    sent = api.post(f"{path}?override_suppression=true")
    assert sent.status_code == 202, sent.content
    assert not Suppression.objects.filter(email="bob@example.com").exists()


def test_it_counts_the_skipped_in_the_api_send_answer(
    api: Client, org: Organization, bounced_bob: Recipient, add_recipients: AddRecipients
) -> None:
    second = certificate_create(organization=org, name="Advanced Python")
    add_recipients(("Bob", "bob@example.com"), ("Ada", "ada@example.com"), cert=second)

    response = api.post(
        f"/api/v1/certificates/{second.public_id}/send", {}, content_type="application/json"
    )

    assert response.status_code == 202, response.content
    assert response.json() == {"queued": 1, "skipped": {"hard_bounce": 1, "complaint": 0}}


def test_it_tells_the_command_line_how_many_were_skipped(
    org: Organization, bounced_bob: Recipient, add_recipients: AddRecipients
) -> None:
    second = certificate_create(organization=org, name="Advanced Python")
    add_recipients(("Bob", "bob@example.com"), ("Ada", "ada@example.com"), cert=second)

    result = CliRunner().invoke(app, ["send", second.public_id, "--no-wait"])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "Queued 1 email.",
        "1 address was skipped: it bounced or complained before. Its recipient's page says "
        "why and has “Send anyway”.",
    ]


def test_it_does_not_suppress_a_policy_block_and_asks_for_an_allowlist(
    user_client: Client,
    org: Organization,
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: AddRecipients,
    deliver: Deliver,
) -> None:
    [cy] = add_recipients(("Cy", "cy@corp.example"))
    smtp.answer(Answer.REJECT_DATA, to="cy@corp.example", reply="550 5.7.1 Sender not allowed")
    certificate_send(certificate=certificate)
    deliver()

    page = reverse("dashboard:recipient", kwargs={"recipient_id": cy.public_id})
    html = user_client.get(page).content.decode()

    assert suppression_of(org, "cy@corp.example") is None
    assert "allowlist our sending address certificates@conferral.localhost" in html
    assert "Blocked by the recipient&#x27;s mail server (550 5.7.1 Sender not allowed)" in html
    assert 'name="override_suppression"' not in html
    smtp.answer(Answer.ACCEPT, to="cy@corp.example")
    recipient_resend(recipient=cy)
    deliver()
    assert len(smtp.received_by("cy@corp.example")) == 1
