"""Creating and shaping a certificate in the dashboard: new, settings, email preview and
test email, duplicate, archive, publish without email, schedule and cancel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.certificates.editing import certificate_update
from conferral.certificates.models import Certificate, CertificateState, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery import tasks
from conferral.testing.smtp import SmtpServer


def _url(name: str, certificate: Certificate) -> str:
    return reverse(f"dashboard:{name}", kwargs={"certificate_id": certificate.public_id})


def test_it_creates_a_certificate_as_a_draft(user_client: Client) -> None:
    response = user_client.post(
        reverse("dashboard:certificate_new"),
        {
            "name": "  Data Science 101 ",
            "kind": "badge",
            "issue_date": "2030-05-01",
            "expires_at": "2032-05-01",
            "language": "de",
            "email_subject": "Your {certificate.kind}",
        },
    )
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("certificate", certificate)
    assert (certificate.name, certificate.kind, certificate.state) == (
        "Data Science 101",
        "badge",
        CertificateState.DRAFT,
    )
    assert certificate.language == "de"
    assert certificate.expires_at == dt.date(2032, 5, 1)


def test_it_refuses_a_blank_name_and_an_expiry_before_the_issue_date(user_client: Client) -> None:
    response = user_client.post(
        reverse("dashboard:certificate_new"),
        {"name": "   ", "kind": "certificate", "language": "en"},
    )
    assert response.status_code == 400
    assert "Give the certificate a name." in response.content.decode()
    response = user_client.post(
        reverse("dashboard:certificate_new"),
        {
            "name": "Course",
            "kind": "certificate",
            "language": "en",
            "issue_date": "2030-05-01",
            "expires_at": "2030-04-30",
        },
    )
    assert response.status_code == 400
    assert "expiry" in response.content.decode().lower()
    assert not Certificate.objects.exists()


def test_it_saves_the_settings_and_previews_the_email(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Jürgen Müller-Łukasz", "j@example.com"))
    response = user_client.post(
        _url("certificate_settings", certificate),
        {
            "name": "Python Fundamentals",
            "kind": "certificate",
            "language": "en",
            "email_subject": "Well done, {recipient.name}",
            "email_body": "Dear {recipient.name},\n\nhere is {certificate.name}.",
        },
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.email_subject == "Well done, {recipient.name}"
    page = user_client.get(_url("certificate_settings", certificate)).content.decode()
    assert "{recipient.COLUMN} for a COLUMN of the imported list" in page  # shown, not a tag

    preview = user_client.get(_url("certificate_email_preview", certificate))
    html = preview.content.decode()
    assert "Dear Jürgen Müller-Łukasz," in html
    assert "here is Python Fundamentals." in html
    assert "sandbox" in preview["Content-Security-Policy"]
    assert "img-src data:" in preview["Content-Security-Policy"]  # its pixel never loads
    assert not Event.objects.exists()


def test_it_sends_a_test_email_through_the_configured_server(
    user_client: Client, certificate: Certificate, smtp: SmtpServer
) -> None:
    response = user_client.post(
        _url("certificate_test_email", certificate), {"to": "me@acme.test"}, follow=True
    )
    assert "A test email went to me@acme.test" in response.content.decode()
    [received] = smtp.messages
    assert received.rcpt_tos == ["me@acme.test"]
    assert "Python Fundamentals" in str(received.message["Subject"])
    assert not Event.objects.exists()


def test_it_duplicates_without_the_recipients(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    user_client.post(_url("certificate_duplicate", certificate))
    copy = Certificate.objects.exclude(pk=certificate.pk).get()
    assert copy.name == "Copy of Python Fundamentals"
    assert copy.state == CertificateState.DRAFT
    assert not copy.recipients.exists()


def test_it_archives_and_restores(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    user_client.post(_url("certificate_archive", certificate))
    assert "Python Fundamentals" not in user_client.get(reverse("dashboard:home")).content.decode()
    archived = user_client.get(reverse("dashboard:home"), {"archived": "1"}).content.decode()
    assert "Python Fundamentals" in archived
    response = user_client.post(_url("certificate_send", certificate), follow=True)
    assert "archived" in response.content.decode()
    assert not Recipient.objects.filter(email_status=EmailStatus.SENDING).exists()

    user_client.post(_url("certificate_archive", certificate), {"restore": "1"})
    assert "Python Fundamentals" in user_client.get(reverse("dashboard:home")).content.decode()


def test_it_publishes_without_email(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    user_client.post(_url("certificate_publish", certificate))
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.PUBLISHED
    assert not Event.objects.exists()
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {
        EmailStatus.NOT_SENT,
        EmailStatus.NOT_PROVIDED,
    }


def test_it_schedules_a_send_and_cancels_it(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    at = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    user_client.post(_url("certificate_schedule", certificate), {"at": at})
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.SCHEDULED
    assert Recipient.objects.filter(email_status=EmailStatus.SCHEDULED).count() == 2

    response = user_client.post(_url("certificate_schedule_cancel", certificate), follow=True)
    assert "2 emails will not go out" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.DRAFT
    assert Recipient.objects.filter(email_status=EmailStatus.NOT_SENT).count() == 2
    assert not Recipient.objects.filter(next_attempt_at__isnull=False).exists()
    assert Event.objects.filter(type=EventType.EMAIL_CANCELLED).count() == 2


def test_it_refuses_a_time_in_the_past(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    response = user_client.post(
        _url("certificate_schedule", certificate), {"at": "2001-01-01T09:00"}, follow=True
    )
    assert "Choose a time in the future." in response.content.decode()
    assert not Recipient.objects.filter(email_status=EmailStatus.SCHEDULED).exists()


def test_it_publishes_a_scheduled_certificate_when_its_time_comes(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    at = timezone.now() + dt.timedelta(hours=1)
    local = timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")
    user_client.post(_url("certificate_schedule", certificate), {"at": local})
    tasks.sweep_run()
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.SCHEDULED
    with freeze_time(at + dt.timedelta(minutes=5)):
        tasks.sweep_run()
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.PUBLISHED


def test_it_lets_a_viewer_look_but_change_nothing(
    viewer_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    assert viewer_client.get(_url("certificate_settings", certificate)).status_code == 200
    for name in (
        "certificate_settings",
        "certificate_test_email",
        "certificate_duplicate",
        "certificate_archive",
        "certificate_publish",
        "certificate_schedule",
        "certificate_schedule_cancel",
    ):
        assert viewer_client.post(_url(name, certificate), {"name": "X"}).status_code == 403, name
    assert viewer_client.post(reverse("dashboard:certificate_new"), {}).status_code == 403
    certificate.refresh_from_db()
    assert (certificate.name, certificate.state, certificate.archived_at) == (
        "Python Fundamentals",
        CertificateState.DRAFT,
        None,
    )
    assert Certificate.objects.count() == 1


def test_it_lists_state_and_claimed_share_and_searches_names(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    Recipient.objects.filter(pk=people[0].pk).update(
        claimed_at=timezone.now(), claim_channel="token"
    )
    html = user_client.get(reverse("dashboard:home")).content.decode()
    assert '<span class="state state-draft">Draft</span>' in html
    assert "33 %" in html
    assert (
        "Python Fundamentals"
        in user_client.get(reverse("dashboard:home"), {"q": "FUNDAMENTAL"}).content.decode()
    )
    assert (
        "Python Fundamentals"
        not in user_client.get(reverse("dashboard:home"), {"q": "Chemistry"}).content.decode()
    )


def test_it_draws_the_shares_pie_chart(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    claimed = {"claimed_at": timezone.now(), "claim_channel": "email"}  # sharing needs it
    Recipient.objects.filter(pk=people[0].pk).update(shared=["linkedin", "x"], **claimed)
    Recipient.objects.filter(pk=people[1].pk).update(shared=["linkedin"], **claimed)
    html = user_client.get(_url("certificate", certificate)).content.decode()
    assert '<svg class="pie"' in html
    assert "<title>LinkedIn: 2 (66.7 %)</title>" in html
    assert "<title>X: 1 (33.3 %)</title>" in html
    assert "Facebook: <strong>0</strong>" in html
    assert "LinkedIn reports nothing back" in html
    recipients = _url("certificate_recipients", certificate)
    assert f'href="{recipients}?fact=claimed"' in html
    assert f'href="{recipients}?fact=opened"' in html


def test_it_answers_errors_in_the_dashboards_own_layout(
    user_client: Client, certificate: Certificate
) -> None:
    missing = user_client.get("/certificates/no-such-id/")
    assert missing.status_code == 404
    assert 'class="topbar"' in missing.content.decode()
    assert "This page does not exist" in missing.content.decode()
    user_client.logout()
    assert user_client.get("/").status_code == 302  # signed out: to the sign-in page


def test_it_says_why_a_test_email_did_not_go(
    user_client: Client, certificate: Certificate, settings: SettingsWrapper
) -> None:
    settings.EMAIL_URL = "smtp://127.0.0.1:1?timeout=2"  # nothing listens there
    url = _url("certificate_test_email", certificate)
    html = user_client.post(url, {"to": "me@acme.test"}, follow=True).content.decode()
    assert "The test email was not sent: could not connect to 127.0.0.1:1" in html
    html = user_client.post(url, {"to": "not an address"}, follow=True).content.decode()
    assert "Enter a valid email address for the test email." in html


def test_it_explains_what_cannot_be_done_now(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    html = user_client.post(_url("certificate_schedule_cancel", certificate), follow=True)
    assert "No send is scheduled for this certificate." in html.content.decode()
    at = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    user_client.post(_url("certificate_schedule", certificate), {"at": at})
    html = user_client.post(_url("certificate_publish", certificate), follow=True)
    assert "cancel it first" in html.content.decode()
    again = user_client.post(_url("certificate_schedule", certificate), {"at": at}, follow=True)
    assert "There are no recipients to send to" in again.content.decode()


def test_it_lets_no_viewer_create_a_certificate(viewer_client: Client) -> None:
    assert viewer_client.get(reverse("dashboard:certificate_new")).status_code == 403


def test_it_edits_only_the_editable_fields(certificate: Certificate) -> None:
    with pytest.raises(TypeError, match="not editable: organization"):
        certificate_update(certificate=certificate, organization=None)
