"""Every event, from every producer (the API, the dashboard, the command line, the
worker, the public pages, the bounce and complaint reports), reaches the one dispatch
point once, after its transaction commits, exactly as it was written."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_create, user_create
from conferral.bounces.models import Source
from conferral.bounces.receive import report_receive
from conferral.bounces.tests.receive_support import out_of_office
from conferral.certificates.event_details import CredentialClaimed
from conferral.certificates.events import NewEvent, event_record, event_subscribe
from conferral.certificates.links import recipient_path, verify_url
from conferral.certificates.models import Certificate, Channel, Event, EventType, Recipient
from conferral.certificates.services import certificate_create
from conferral.cli.main import app
from conferral.delivery.feedback import email_bounce_record, email_complaint_record
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.unsubscribe import unsubscribe_url
from conferral.testing.smtp import Answer, SmtpServer
from conferral.tracking.links import click_url, open_pixel_url

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# Types no producer writes yet.
NOT_YET_PRODUCED: set[EventType] = set()

Key = tuple[str, int, str, bool, str, str]


def _key(type: str, recipient_id: int, channel: str, machine: bool, detail: Any, at: Any) -> Key:
    return (type, recipient_id, channel, machine, json.dumps(detail, sort_keys=True), str(at))


@pytest.fixture
def dispatched() -> Iterator[list[NewEvent]]:
    received: list[NewEvent] = []
    unsubscribe = event_subscribe(received.extend)
    yield received
    unsubscribe()


def _written() -> Counter[Key]:
    return Counter(
        _key(e.type, e.recipient_id, e.channel, e.machine, e.detail, e.at.isoformat())
        for e in Event.objects.all()
    )


def _received(events: list[NewEvent]) -> Counter[Key]:
    return Counter(
        _key(
            e.type.value,
            e.recipient_id,
            e.channel,
            e.machine,
            e.detail.to_json(),
            e.at.isoformat(),
        )
        for e in events
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.django_db(transaction=True)
def test_it_hands_every_event_of_every_producer_to_the_subscriber_once(
    client: Client,
    org: Organization,
    smtp: SmtpServer,
    dispatched: list[NewEvent],
    tmp_path: Any,
) -> None:
    key = apikey_create(organization=org)
    api: dict[str, Any] = {"headers": {"Authorization": f"Bearer {key}"}}
    json_api: dict[str, Any] = {**api, "content_type": "application/json"}

    # The API: a certificate, its recipients, an address corrected, and the send.
    response = client.post(
        "/api/v1/certificates", {"name": "Python", "kind": "certificate"}, **json_api
    )
    certificate = Certificate.objects.get(public_id=response.json()["id"])
    people = [
        ("Ada", "ada@example.com"),
        ("Bob", "bob@example.com"),
        ("Cy", "cy@example.com"),
        ("Dee", "dee@example.net"),
    ]
    response = client.post(
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        {"recipients": [{"name": name, "email": email} for name, email in people]},
        **json_api,
    )
    assert response.status_code == 201, response.content
    ada, bob, _cy, dee = Recipient.objects.filter(certificate=certificate).order_by("pk")
    response = client.patch(
        f"/api/v1/recipients/{dee.public_id}", {"email": "dee@example.org"}, **json_api
    )
    assert response.status_code == 200, response.content
    send = f"/api/v1/certificates/{certificate.public_id}/send"
    assert client.post(send, {}, **json_api).status_code == 202

    # The worker: accepted, refused for good, deferred.
    smtp.answer(Answer.REJECT, to="bob@example.com")
    smtp.answer(Answer.DEFER, to="cy@example.com")
    deliver_due()

    # The public pages, as a person would use them.
    browser = Client(HTTP_USER_AGENT=FIREFOX)
    assert browser.get(_path(open_pixel_url(ada))).status_code == 200
    assert browser.get(_path(click_url(ada))).status_code in (200, 302)
    page = recipient_path(ada, Channel.EMAIL)
    assert browser.get(page).status_code == 200
    assert browser.post(page).status_code in (200, 302)
    assert browser.get(f"/r/{ada.token}/certificate.pdf").status_code == 200
    assert browser.post(f"/r/{ada.token}/share/linkedin").status_code == 302
    assert browser.post(f"/r/{ada.token}/linkedin").status_code == 302
    assert browser.get(_path(verify_url(ada))).status_code == 200
    # A mail client's one-click unsubscribe (RFC 8058): no cookies, no CSRF token.
    one_click = {"List-Unsubscribe": "One-Click"}
    assert Client().post(_path(unsubscribe_url(ada)), one_click).status_code == 200

    # Reports that come back later: a bounce after delivery, a complaint.
    dee.refresh_from_db()  # its corrected address is the one that bounces
    email_bounce_record(recipient=dee, reply="550 5.1.1 mailbox gone (a late bounce report)")
    email_complaint_record(recipient=ada, feedback="abuse")
    # The bounce receiver: an out-of-office reply to Ada's message at its return path.
    to_ada = smtp.received_by("ada@example.com")[-1]
    report_receive(out_of_office(to_ada), source=Source.SMTP, envelope_to=to_ada.mail_from)

    # The API again: a resend skipped (the address bounced for good), one that
    # overrides the suppression, and a revocation.
    resend = f"/api/v1/recipients/{dee.public_id}/resend"
    assert client.post(resend, {}, **json_api).status_code == 409
    assert client.post(f"{resend}?override_suppression=true", {}, **json_api).status_code == 202
    response = client.post(
        f"/api/v1/recipients/{bob.public_id}/revoke", {"reason": "Wrong person"}, **json_api
    )
    assert response.status_code == 200, response.content

    # The dashboard: an issuer sends a second certificate.
    second = certificate_create(organization=org, name="Second")
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    issuer = Client()
    assert issuer.login(username="owner@acme.test", password="correct horse battery")
    csv = tmp_path / "list.csv"
    csv.write_text("name,email\nEve,eve@example.com\nFay,fay@example.com\n", encoding="utf-8")
    with csv.open("rb") as upload:
        preview = issuer.post(
            reverse("dashboard:certificate_import", kwargs={"certificate_id": second.public_id}),
            {"file": upload},
        )
    staged = re.search(r'name="staged" value="([^"]+)"', preview.content.decode())
    assert staged is not None
    response = issuer.post(
        reverse(
            "dashboard:certificate_import_confirm", kwargs={"certificate_id": second.public_id}
        ),
        {"staged": staged.group(1), "confirm": ""},
    )
    assert response.status_code == 302
    response = issuer.post(
        reverse("dashboard:certificate_send", kwargs={"certificate_id": second.public_id})
    )
    assert response.status_code == 302
    # The dashboard: an issuer regenerates a leaked link's token.
    eve = Recipient.objects.get(certificate=second, name="Eve")
    response = issuer.post(
        reverse("dashboard:recipient_token", kwargs={"recipient_id": eve.public_id})
    )
    assert response.status_code == 302

    # The command line: an import and a send of a third.
    third = certificate_create(organization=org, name="Third")
    runner = CliRunner()
    assert runner.invoke(app, ["import", third.public_id, str(csv)]).exit_code == 0
    assert runner.invoke(app, ["send", third.public_id, "--no-wait"]).exit_code == 0

    # The dashboard again: a send scheduled for tomorrow, then called off.
    fourth = certificate_create(organization=org, name="Fourth")
    assert runner.invoke(app, ["import", fourth.public_id, str(csv)]).exit_code == 0
    kwargs = {"certificate_id": fourth.public_id}
    tomorrow = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    issuer.post(
        reverse("dashboard:certificate_schedule", kwargs=kwargs),
        {"at": tomorrow.strftime("%Y-%m-%dT%H:%M")},
    )
    issuer.post(reverse("dashboard:certificate_schedule_cancel", kwargs=kwargs))
    # The dashboard again: an issuer erases a recipient (the name typed to confirm).
    fay = Recipient.objects.get(certificate=fourth, name="Fay")
    response = issuer.post(
        reverse("dashboard:recipient_erase", kwargs={"recipient_id": fay.public_id}),
        {"name": "Fay"},
    )
    assert response.status_code == 302

    assert _received(dispatched) == _written()
    assert len(dispatched) == Event.objects.count()
    assert {e.type for e in dispatched} == set(EventType) - NOT_YET_PRODUCED


@pytest.mark.django_db(transaction=True)
def test_it_dispatches_nothing_for_a_transaction_rolled_back(
    add_recipients: Callable[..., list[Recipient]], dispatched: list[NewEvent]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    with transaction.atomic():
        event_record(recipient=ada, detail=CredentialClaimed())
        assert dispatched == []  # not before the commit
        transaction.set_rollback(True)
    assert dispatched == []
    with transaction.atomic():
        event_record(recipient=ada, detail=CredentialClaimed())
    assert [e.type for e in dispatched] == [EventType.CREDENTIAL_CLAIMED]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_dispatching_when_a_subscriber_fails(
    add_recipients: Callable[..., list[Recipient]], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(events: object) -> None:
        raise RuntimeError("the webhook store is down")

    received: list[NewEvent] = []
    unsubscribe = [event_subscribe(broken), event_subscribe(received.extend)]
    try:
        [ada] = add_recipients(("Ada", "ada@example.com"))
        event_record(recipient=ada, detail=CredentialClaimed())
    finally:
        for undo in unsubscribe:
            undo()
    assert [e.type for e in received] == [EventType.CREDENTIAL_CLAIMED]
    assert Event.objects.count() == 1
    assert "Event subscriber" in caplog.text
