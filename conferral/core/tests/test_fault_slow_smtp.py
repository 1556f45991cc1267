"""Fault: the SMTP server takes longer to answer a message than CONFERRAL_EMAIL_URL's
?timeout= allows. The worker gives up on that message after the timeout instead of
hanging, the recipient is deferred and retried (a slow server says nothing about the
address, so no bounce), and every recipient ends up with exactly one copy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Answer, SmtpServer

TIMEOUT_SECONDS = 0.5


def test_it_defers_and_retries_a_message_the_server_answers_too_slowly(
    smtp: SmtpServer,
    settings: SettingsWrapper,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.EMAIL_URL = f"smtp://127.0.0.1:{smtp.port}?timeout={TIMEOUT_SECONDS}"
    settings.SEND_RETRY_DELAYS = [0, 0, 0]
    smtp.slow_seconds = 6 * TIMEOUT_SECONDS
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(4)])
    smtp.answer(Answer.SLOW, to="p1@example.com", times=1)
    certificate_send(certificate=certificate)

    report = deliver_due()

    # The client's timeout fired (a server hanging up would read "unexpectedly closed"
    # alone), and the retry came in the same run of the worker.
    assert (report.bounced, report.deferred, report.delivered) == (0, 1, 4)
    slow = Recipient.objects.get(email="p1@example.com")
    [deferred] = Event.objects.filter(recipient=slow, type=EventType.EMAIL_DEFERRED)
    assert "timed out" in deferred.detail["reply"]
    assert deferred.detail["code"] is None
    assert not Event.objects.filter(type=EventType.EMAIL_BOUNCED).exists()
    for person in people:
        person.refresh_from_db()
        assert person.email_status == EmailStatus.DELIVERED, person.email
        assert person.bounce_kind == "", person.email
    copies = Counter(message.rcpt_tos[0] for message in smtp.messages)
    assert copies == {person.email: 1 for person in people}
