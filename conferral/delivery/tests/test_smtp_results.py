"""The SMTP server's answer decides each recipient's email status, through a real
aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import BounceKind, EmailStatus, Status
from conferral.delivery.pipeline import DeliverReport
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Answer, SmtpServer


def _types(recipient: Recipient) -> list[str]:
    return list(Event.objects.filter(recipient=recipient).values_list("type", flat=True))


def test_it_marks_an_accepted_message_delivered_with_the_server_reply(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [ada] = add_recipients(("Ada Lovelace", "ada@example.com"))

    assert certificate_send(certificate=certificate).queued == 1
    deliver()

    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.DELIVERED
    assert ada.status == Status.DELIVERED
    assert ada.sends == 1
    assert ada.first_sent_at is not None
    assert ada.delivered_at is not None
    assert ada.next_attempt_at is None
    assert ada.lease_owner == ""
    [received] = smtp.messages
    assert ada.last_reply == received.reply
    assert received.reply.startswith("250 2.0.0 Ok: queued as ")
    assert _types(ada) == ["email.queued", "email.sent", "email.delivered"]
    delivered = Event.objects.get(recipient=ada, type=EventType.EMAIL_DELIVERED)
    assert delivered.detail["reply"] == received.reply
    sent = Event.objects.get(recipient=ada, type=EventType.EMAIL_SENT)
    assert sent.detail["message_id"] == received.message["Message-ID"]
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.mail_from == f"bounces+{ada.public_id}@conferral.localhost"


def test_it_hard_bounces_a_550_and_keeps_the_reply(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [bob] = add_recipients(("Bob", "bob@example.com"))
    smtp.answer(Answer.REJECT, to="bob@example.com")

    certificate_send(certificate=certificate)
    deliver()

    bob.refresh_from_db()
    assert bob.email_status == EmailStatus.BOUNCED
    assert bob.status == Status.BOUNCED
    assert bob.bounce_kind == BounceKind.HARD
    assert bob.last_reply.startswith("550 5.1.1 <bob@example.com>")
    assert bob.next_attempt_at is None
    assert smtp.messages == []
    bounced = Event.objects.get(recipient=bob, type=EventType.EMAIL_BOUNCED)
    assert bounced.detail["code"] == 550
    assert bounced.detail["kind"] == "hard"
    assert "User unknown" in bounced.detail["reply"]
    assert _types(bob) == ["email.queued", "email.bounced"]


def test_it_retries_a_451_and_delivers_on_the_next_attempt(
    smtp: SmtpServer,
    fast_retries: list[float],
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [cleo] = add_recipients(("Cleo", "cleo@example.com"))
    smtp.answer(Answer.DEFER, to="cleo@example.com", times=1)

    certificate_send(certificate=certificate)
    report = deliver()

    cleo.refresh_from_db()
    assert report.deferred == 1
    assert report.delivered == 1
    assert cleo.email_status == EmailStatus.DELIVERED
    assert cleo.attempts == 1
    assert _types(cleo) == ["email.queued", "email.deferred", "email.sent", "email.delivered"]
    deferred = Event.objects.get(recipient=cleo, type=EventType.EMAIL_DEFERRED)
    assert deferred.detail["code"] == 451
    assert deferred.detail["reply"].startswith("451 4.7.1")
    assert deferred.detail["attempt"] == 1
    assert len(smtp.received_by("cleo@example.com")) == 1


def test_it_soft_bounces_when_the_retries_run_out(
    smtp: SmtpServer,
    fast_retries: list[float],
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [dan] = add_recipients(("Dan", "dan@example.com"))
    smtp.answer(Answer.DEFER, to="dan@example.com")

    certificate_send(certificate=certificate)
    deliver()

    dan.refresh_from_db()
    assert dan.email_status == EmailStatus.BOUNCED
    assert dan.bounce_kind == BounceKind.SOFT
    assert dan.attempts == len(fast_retries) + 1
    types = _types(dan)
    assert types.count("email.deferred") == len(fast_retries)
    assert types[-1] == "email.bounced"
    bounced = Event.objects.get(recipient=dan, type=EventType.EMAIL_BOUNCED)
    assert bounced.detail["kind"] == "soft"
    assert bounced.detail["code"] == 451
    assert smtp.messages == []


def test_it_retries_a_dropped_connection_and_loses_nothing(
    smtp: SmtpServer,
    fast_retries: list[float],
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(5)])
    smtp.answer(Answer.DROP, to="p2@example.com", times=1)

    certificate_send(certificate=certificate)
    deliver()

    for person in people:
        person.refresh_from_db()
        assert person.email_status == EmailStatus.DELIVERED, person.email
        assert len(smtp.received_by(person.email)) == 1, person.email
    dropped = Event.objects.get(recipient=people[2], type=EventType.EMAIL_DEFERRED)
    assert "lost" in dropped.detail["reply"]
    assert smtp.connections >= 2


def test_it_sends_one_message_per_recipient_and_one_refusal_affects_no_one_else(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(6)])
    smtp.answer(Answer.REJECT, to="p3@example.com")

    certificate_send(certificate=certificate)
    deliver()

    assert len(smtp.messages) == 5
    assert all(len(message.rcpt_tos) == 1 for message in smtp.messages)
    message_ids = {message.message["Message-ID"] for message in smtp.messages}
    assert len(message_ids) == 5
    assert smtp.connections == 1  # one reused connection for the batch
    statuses = dict(Recipient.objects.values_list("email", "email_status"))
    assert statuses.pop("p3@example.com") == EmailStatus.BOUNCED
    assert set(statuses.values()) == {EmailStatus.DELIVERED}
    for person in people:
        if person.email != "p3@example.com":
            [received] = smtp.received_by(person.email)
            assert received.message["To"].addresses[0].display_name == person.name


def test_it_works_with_a_server_without_pipelining(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    smtp.pipelining = False
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(4)])
    smtp.answer(Answer.REJECT, to="p1@example.com")

    certificate_send(certificate=certificate)
    deliver()

    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == [
        "p0@example.com",
        "p2@example.com",
        "p3@example.com",
    ]
    assert Recipient.objects.get(email="p1@example.com").bounce_kind == BounceKind.HARD


def test_it_holds_everyone_back_without_an_attempt_while_the_server_is_unreachable(
    smtp: SmtpServer,
    settings: object,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    from conferral.delivery.pipeline import deliver_due

    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(3)])
    settings.EMAIL_URL = "smtp://127.0.0.1:1?timeout=2"  # type: ignore[attr-defined]
    settings.SEND_RETRY_DELAYS = [600]  # type: ignore[attr-defined]

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert report.paused == 3
    for person in people:
        person.refresh_from_db()
        assert person.email_status == EmailStatus.SENDING
        assert person.attempts == 0  # our outage, not theirs (test_relay_outage.py)
        assert person.next_attempt_at is not None
        assert person.last_reply.startswith("could not connect to 127.0.0.1:1")


def test_it_logs_in_with_the_credentials_of_the_url(
    smtp: SmtpServer,
    settings: object,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    smtp.credentials = ("mailer", "s3cret:pw")
    settings.EMAIL_URL = f"smtp://mailer:s3cret%3Apw@127.0.0.1:{smtp.port}"  # type: ignore[attr-defined]
    [ada] = add_recipients(("Ada", "ada@example.com"))

    certificate_send(certificate=certificate)
    deliver()

    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.DELIVERED
    assert len(smtp.messages) == 1


def test_it_defers_when_the_server_refuses_the_login(
    smtp: SmtpServer,
    settings: object,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    from conferral.delivery.pipeline import deliver_due

    smtp.credentials = ("mailer", "right")
    settings.EMAIL_URL = f"smtp://mailer:wrong@127.0.0.1:{smtp.port}"  # type: ignore[attr-defined]
    settings.SEND_RETRY_DELAYS = [600]  # type: ignore[attr-defined]
    [ada] = add_recipients(("Ada", "ada@example.com"))

    certificate_send(certificate=certificate)
    deliver_due()

    ada.refresh_from_db()
    assert ada.email_status == EmailStatus.SENDING  # a configuration problem, not a bounce
    assert ada.last_reply.startswith(f"127.0.0.1:{smtp.port} refused the session: 535")
    assert smtp.messages == []


def test_it_sends_to_an_internationalised_domain_in_its_ascii_form(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [jurgen] = add_recipients(("Jürgen", "jurgen@bücher.example"))

    certificate_send(certificate=certificate)
    deliver()

    [received] = smtp.messages
    assert received.rcpt_tos == ["jurgen@xn--bcher-kva.example"]
    assert received.message["To"].addresses[0].domain == "xn--bcher-kva.example"
    jurgen.refresh_from_db()
    assert jurgen.email_status == EmailStatus.DELIVERED


def test_it_keeps_lines_that_start_with_a_dot(
    smtp: SmtpServer,
    org: object,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    from conferral.certificates.services import certificate_create

    body = "Hello {recipient.name},\n.hidden line\n..two dots\n.\nend"
    certificate = certificate_create(organization=org, name="Dots", email_body=body)  # type: ignore[arg-type]
    add_recipients(("Ada", "ada@example.com"), cert=certificate)

    certificate_send(certificate=certificate)
    deliver()

    [received] = smtp.messages
    text = received.message.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content().replace("\r\n", "\n")  # the parser keeps the wire's CRLF
    assert content.startswith("Hello Ada,\n.hidden line\n..two dots\n.\nend\n")


def test_it_keeps_an_opened_status_when_a_resend_is_delivered(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    from conferral.delivery.services import recipient_resend

    opened, bounced = add_recipients(("Opened", "o@example.com"), ("Bounced", "b@example.com"))
    certificate_send(certificate=certificate)
    deliver()
    first_sent = Recipient.objects.get(pk=opened.pk).first_sent_at
    Recipient.objects.filter(pk=opened.pk).update(email_status=EmailStatus.OPENED)
    Recipient.objects.filter(pk=bounced.pk).update(
        email_status=EmailStatus.BOUNCED, bounce_kind=BounceKind.HARD
    )

    for recipient in (opened, bounced):
        recipient.refresh_from_db()
        recipient_resend(recipient=recipient)
    deliver()

    opened.refresh_from_db()
    bounced.refresh_from_db()
    assert opened.email_status == EmailStatus.OPENED
    assert opened.sends == 2
    assert opened.first_sent_at == first_sent
    assert opened.delivered_at is not None
    assert first_sent is not None
    assert opened.delivered_at > first_sent
    assert bounced.email_status == EmailStatus.DELIVERED
    assert bounced.bounce_kind == ""
    assert len(smtp.received_by("o@example.com")) == 2
