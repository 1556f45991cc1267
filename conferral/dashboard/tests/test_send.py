"""The Send emails button: a confirmation with the count, then a POST that queues."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.pipeline import deliver_due
from conferral.testing.smtp import Answer, SmtpServer


def _url(certificate: Certificate) -> str:
    return reverse("dashboard:certificate_send", kwargs={"certificate_id": certificate.public_id})


def test_it_asks_to_confirm_how_many_emails_go_out(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    response = user_client.get(_url(certificate))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 recipients of “Python Fundamentals” have an email address" in html
    assert "1 recipient has no address" in html
    assert "Send 2 emails" in html
    assert not Event.objects.exists()


def test_it_queues_the_emails_on_post(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    response = user_client.post(_url(certificate), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "dashboard:certificate", kwargs={"certificate_id": certificate.public_id}
    )
    assert "2 emails are being sent" in response.content.decode()
    statuses = dict(Recipient.objects.values_list("name", "email_status"))
    assert statuses == {
        "Jürgen Müller-Łukasz": EmailStatus.SENDING,
        "Åsa Øberg": EmailStatus.SENDING,
        "Mateo García": EmailStatus.NOT_PROVIDED,
    }
    assert Event.objects.filter(type=EventType.EMAIL_QUEUED).count() == 2


def test_it_says_clearly_when_there_is_nothing_to_send(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    user_client.post(_url(certificate))
    assert "There is nothing to send" in user_client.get(_url(certificate)).content.decode()
    response = user_client.post(_url(certificate), follow=True)
    assert "There are no recipients to send to" in response.content.decode()
    assert Event.objects.filter(type=EventType.EMAIL_QUEUED).count() == 2


def test_it_refuses_a_send_from_a_certificate_without_recipients(
    user_client: Client, certificate: Certificate
) -> None:
    response = user_client.post(_url(certificate), follow=True)
    assert "There are no recipients to send to" in response.content.decode()


def test_it_needs_the_csrf_token(
    client: Client, user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = user_client.cookies
    assert strict.post(_url(certificate)).status_code == 403
    assert not Event.objects.exists()


def test_it_lets_viewers_look_but_not_send(
    viewer_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    kwargs = {"certificate_id": certificate.public_id}
    html = viewer_client.get(reverse("dashboard:certificate", kwargs=kwargs)).content.decode()
    html += viewer_client.get(
        reverse("dashboard:certificate_recipients", kwargs=kwargs)
    ).content.decode()
    assert "Åsa Øberg" in html
    assert _url(certificate) not in html
    assert viewer_client.post(_url(certificate)).status_code == 403
    assert not Event.objects.exists()


def test_it_shows_the_progress_while_the_emails_go_out(
    user_client: Client, certificate: Certificate, people: list[Recipient], smtp: SmtpServer
) -> None:
    user_client.post(_url(certificate))
    kwargs = {"certificate_id": certificate.public_id}
    progress_url = reverse("dashboard:certificate_progress", kwargs=kwargs)
    html = user_client.get(reverse("dashboard:certificate", kwargs=kwargs)).content.decode()
    assert f'hx-get="{progress_url}"' in html  # polled while emails are pending
    assert "2 being sent" in html

    smtp.answer(Answer.REJECT, to="asa@example.com")
    deliver_due()

    html = user_client.get(progress_url).content.decode()
    assert "hx-get" not in html  # done: the polling stops
    assert "progress-box" not in html
    statistics = user_client.get(reverse("dashboard:certificate", kwargs=kwargs)).content.decode()
    assert "Bounced" in statistics
