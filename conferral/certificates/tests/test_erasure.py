"""Erasing a recipient: the name, the address and every copy of them go (the events'
details, user agents and client hashes, the stored reports, the local mailbox, the
rendered files, the replaced tokens); the statuses and the statistics stay; a pending
send is cancelled; every public page answers 410 without a trace of the person; a
second erase changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from conferral.bounces.models import InboundReport, Source
from conferral.bounces.receive import report_receive
from conferral.bounces.tests.receive_support import out_of_office, send
from conferral.certificates.credentials import credential_claim, recipient_token_regenerate
from conferral.certificates.erasure import RecipientErased, recipient_erase
from conferral.certificates.models import (
    Certificate,
    Channel,
    Event,
    EventType,
    Recipient,
    ReplacedToken,
)
from conferral.certificates.services import RawRow, recipient_update, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.delivery.feedback import email_bounce_record
from conferral.delivery.models import MailboxMessage
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics
from conferral.testing.smtp import SmtpServer

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
NAME = "Ada Lovelace"
TRACES = ("Ada", "Lovelace", "ada@example.com", "ada.l@example.org", "Analytical")


def _ada(certificate: Certificate) -> Recipient:
    row = RawRow(1, NAME, "ada@example.com", {"note": "Analytical Engine"})
    [ada] = recipients_add(certificate=certificate, rows=[row]).recipients
    return ada


def _no_trace(text: str) -> None:
    for trace in TRACES:
        assert trace not in text, trace


def _events_json(recipient: Recipient) -> str:
    return json.dumps(
        list(
            Event.objects.filter(recipient=recipient).values(
                "type", "user_agent", "client_hash", "detail"
            )
        )
    )


def _public_answers(client: Client, recipient: Recipient) -> list[Any]:
    token = recipient.token
    return [
        client.get(f"/r/{token}"),
        client.post(f"/r/{token}"),
        client.get(f"/r/{token}/certificate.pdf"),
        client.get(f"/r/{token}/certificate.png"),
        client.get(f"/r/{token}/preview.png"),
        client.post(f"/r/{token}/share/linkedin"),
        client.post(f"/r/{token}/linkedin"),
        client.post("/claim", {"token": token}),
        client.get(f"/v/{recipient.credential_id}"),
    ]


def test_it_erases_the_person_and_every_copy_but_keeps_the_statuses(
    smtp: SmtpServer,
    certificate: Certificate,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ada = _ada(certificate)
    sent = send(smtp, ada)["ada@example.com"]
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    assert browser.get(f"/r/{ada.token}").status_code == 200
    credential_claim(recipient=ada, channel=Channel.EMAIL, user_agent=FIREFOX)
    report_receive(out_of_office(sent), source=Source.SMTP, envelope_to=sent.mail_from)
    ada = recipient_update(recipient=ada, email="ada.l@example.org")
    email_bounce_record(recipient=ada, reply="550 5.1.1 <ada.l@example.org>: no such user")
    old_token = ada.token
    ada = recipient_token_regenerate(recipient=ada)
    ada.refresh_from_db()
    before = certificate_statistics(certificate)
    statuses = (ada.email_status, ada.status, ada.claimed_at, ada.first_sent_at, ada.bounced_at)
    assert InboundReport.objects.filter(recipient=ada).exists()
    assert "ada@example.com" in _events_json(ada)
    assert "ada.l@example.org" in _events_json(ada)
    assert FIREFOX in _events_json(ada)

    with django_capture_on_commit_callbacks(execute=True):
        erased = recipient_erase(recipient=ada, by="owner@acme.test")

    assert (erased.name, erased.email, erased.attributes) == ("", "", {})
    assert (erased.last_reply, erased.provider_message_id) == ("", "")
    assert erased.erased_at is not None
    assert (
        erased.email_status,
        erased.status,
        erased.claimed_at,
        erased.first_sent_at,
        erased.bounced_at,
    ) == statuses
    assert certificate_statistics(certificate) == before
    stored = _events_json(erased)
    _no_trace(stored)
    assert FIREFOX not in stored
    assert not Event.objects.filter(recipient=erased).exclude(client_hash="").exists()
    types = set(Event.objects.filter(recipient=erased).values_list("type", flat=True))
    assert {EventType.EMAIL_SENT, EventType.CREDENTIAL_VIEWED, EventType.EMAIL_BOUNCED} <= types
    mark = Event.objects.get(recipient=erased, type=EventType.CREDENTIAL_ERASED)
    assert mark.detail == {"by": "owner@acme.test"}
    assert not InboundReport.objects.filter(recipient=erased).exists()
    assert not ReplacedToken.objects.filter(token=old_token).exists()

    events = Event.objects.filter(recipient=erased).count()
    for response in _public_answers(Client(), erased):
        assert response.status_code == 410, response.request["PATH_INFO"]
        body = response.content.decode()
        _no_trace(body)
        assert "was erased" in body
        assert "Python Fundamentals" in body
        assert "noindex" in body
        assert "noindex" in response["X-Robots-Tag"]
    assert Client().get(f"/r/{old_token}").status_code == 404
    erased.refresh_from_db()
    assert erased.claim_channel == Channel.EMAIL  # the claim typed after the erasure did nothing
    assert Event.objects.filter(recipient=erased).count() == events


def test_it_answers_a_second_erase_with_when_it_happened_and_changes_nothing(
    certificate: Certificate,
) -> None:
    ada = recipient_erase(recipient=_ada(certificate), by="owner@acme.test")
    events = Event.objects.filter(recipient=ada).count()

    with pytest.raises(RecipientErased, match="was erased on"):
        recipient_erase(recipient=ada, by="admin@acme.test")

    assert Event.objects.filter(recipient=ada).count() == events
    assert Recipient.objects.get(pk=ada.pk).erased_at == ada.erased_at


def test_it_cancels_a_scheduled_send_and_the_reminders(certificate: Certificate) -> None:
    ada = _ada(certificate)
    certificate_send(certificate=certificate, at=timezone.now() + dt.timedelta(days=1))
    Recipient.objects.filter(pk=ada.pk).update(reminder_due_at=timezone.now())

    erased = recipient_erase(recipient=ada)

    assert erased.email_status == EmailStatus.NOT_SENT
    assert (erased.next_attempt_at, erased.reminder_due_at) == (None, None)
    assert Event.objects.filter(recipient=erased, type=EventType.EMAIL_CANCELLED).count() == 1
    assert deliver_due().delivered == 0


def test_it_deletes_the_local_mailbox_copies_and_the_rendered_files(
    settings: Settings,
    tmp_path: Path,
    client: Client,
    certificate: Certificate,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.EMAIL_URL = "mailbox:"
    settings.EMAIL_BACKEND = "conferral.delivery.mailbox.TransportEmailBackend"
    settings.RENDER_CACHE_DIR = tmp_path / "renders"
    ada = _ada(certificate)
    [bob] = recipients_add(
        certificate=certificate, rows=[RawRow(2, "Bob Babbage", "bob@example.com")]
    ).recipients
    certificate_send(certificate=certificate)
    assert deliver_due().delivered == 2
    for person in (ada, bob):
        credential_claim(recipient=person, channel=Channel.EMAIL)
        assert client.get(f"/r/{person.token}/certificate.pdf").status_code == 200
        assert client.get(f"/r/{person.token}/preview.png").status_code == 200
    assert len(list((tmp_path / "renders").iterdir())) == 4
    assert MailboxMessage.objects.filter(to="ada@example.com").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        recipient_erase(recipient=ada)

    assert not MailboxMessage.objects.filter(to="ada@example.com").exists()
    assert MailboxMessage.objects.filter(to="bob@example.com").count() == 1
    kept = [path.read_bytes() for path in (tmp_path / "renders").iterdir()]
    assert len(kept) == 2  # Bob's PDF and preview
