"""A message the SMTP server refuses at the end of DATA, once it has its whole content:
a 5xx is a bounce (blocked for a spam or content refusal, hard for an unknown
mailbox), a 4xx is retried (a 421 also ends the connection), and the
next message of the batch still goes out on the same connection. With PIPELINING (the
next envelope travels with this message's content) and without, through a real
aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import BounceKind, EmailStatus, Status
from conferral.delivery.email_url import email_url_parse
from conferral.delivery.message import MessageTemplate
from conferral.delivery.pipeline import DeliverReport, deliver_due
from conferral.delivery.services import certificate_send
from conferral.delivery.transports import SmtpTransport, TransportError
from conferral.testing.smtp import Answer, SmtpServer

SPAM = "550 5.7.1 Message rejected as spam"
CONTENT = "554 5.6.0 Message content rejected"
UNKNOWN_USER = "550 5.1.1 No such user here"
LATER = "451 4.3.0 Temporary failure: try again later"
CLOSING = "421 4.3.2 Service shutting down, closing the connection"
RETRY_DELAY = 600

pipelining_modes = pytest.mark.parametrize(
    "pipelining", [True, False], ids=["pipelining", "one-command-at-a-time"]
)


def _types(recipient: Recipient) -> list[str]:
    return list(
        Event.objects.filter(recipient=recipient).order_by("pk").values_list("type", flat=True)
    )


def _refused_for(smtp: SmtpServer, address: str) -> int:
    return sum(address in message.rcpt_tos for message in smtp.refused)


@pipelining_modes
@pytest.mark.parametrize(
    ("reply", "expected", "kind"),
    [
        (None, SPAM, BounceKind.BLOCKED),
        (CONTENT, CONTENT, BounceKind.BLOCKED),
        (UNKNOWN_USER, UNKNOWN_USER, BounceKind.HARD),
    ],
    ids=["550-spam", "554-content", "550-unknown-user"],
)
def test_it_bounces_a_5xx_at_the_end_of_data(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    pipelining: bool,
    reply: str | None,
    expected: str,
    kind: BounceKind,
) -> None:
    smtp.pipelining = pipelining
    settings.SEND_RETRY_DELAYS = [RETRY_DELAY]
    [bob] = add_recipients(("Bob", "bob@example.com"))
    smtp.answer(Answer.REJECT_DATA, to="bob@example.com", reply=reply)

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert (report.bounced, report.deferred, report.delivered) == (1, 0, 0)
    bob.refresh_from_db()
    assert bob.email_status == EmailStatus.BOUNCED
    assert bob.status == Status.BOUNCED
    assert bob.bounce_kind == kind
    assert bob.last_reply == expected
    assert bob.attempts == 1
    assert bob.next_attempt_at is None
    assert bob.lease_owner == ""
    assert _types(bob) == ["email.queued", "email.bounced"]
    bounced = Event.objects.get(recipient=bob, type=EventType.EMAIL_BOUNCED)
    assert bounced.detail["kind"] == kind.value
    assert bounced.detail["code"] == int(expected[:3])
    assert bounced.detail["reply"] == expected
    # Refused only once its content was in: the whole message reached the server.
    assert smtp.messages == []
    [refused] = smtp.refused
    assert refused.rcpt_tos == ["bob@example.com"]
    assert refused.message["To"].addresses[0].addr_spec == "bob@example.com"
    assert refused.reply == expected


@pipelining_modes
def test_it_defers_a_4xx_at_the_end_of_data_until_its_retry_time(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    pipelining: bool,
) -> None:
    smtp.pipelining = pipelining
    settings.SEND_RETRY_DELAYS = [RETRY_DELAY]
    [cleo] = add_recipients(("Cleo", "cleo@example.com"))
    smtp.answer(Answer.DEFER_DATA, to="cleo@example.com", times=1)

    certificate_send(certificate=certificate)
    before = timezone.now()
    report = deliver_due()

    assert (report.deferred, report.bounced, report.delivered) == (1, 0, 0)
    cleo.refresh_from_db()
    assert cleo.email_status == EmailStatus.SENDING
    assert cleo.bounce_kind == ""
    assert cleo.last_reply == LATER
    assert cleo.attempts == 1
    assert cleo.lease_owner == ""
    assert cleo.next_attempt_at is not None
    assert cleo.next_attempt_at >= before + dt.timedelta(seconds=RETRY_DELAY)
    assert _types(cleo) == ["email.queued", "email.deferred"]
    deferred = Event.objects.get(recipient=cleo, type=EventType.EMAIL_DEFERRED)
    assert deferred.detail["code"] == 451
    assert deferred.detail["reply"] == LATER
    assert deferred.detail["attempt"] == 1
    assert smtp.messages == []
    assert _refused_for(smtp, "cleo@example.com") == 1


@pipelining_modes
def test_it_retries_a_4xx_at_the_end_of_data_and_delivers_on_the_next_attempt(
    smtp: SmtpServer,
    fast_retries: list[float],
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
    pipelining: bool,
) -> None:
    smtp.pipelining = pipelining
    [cleo] = add_recipients(("Cleo", "cleo@example.com"))
    smtp.answer(Answer.DEFER_DATA, to="cleo@example.com", times=1)

    certificate_send(certificate=certificate)
    report = deliver()

    assert (report.deferred, report.delivered, report.bounced) == (1, 1, 0)
    cleo.refresh_from_db()
    assert cleo.email_status == EmailStatus.DELIVERED
    assert cleo.bounce_kind == ""
    assert cleo.attempts == 1
    assert cleo.next_attempt_at is None
    assert _types(cleo) == ["email.queued", "email.deferred", "email.sent", "email.delivered"]
    deferred = Event.objects.get(recipient=cleo, type=EventType.EMAIL_DEFERRED)
    assert (deferred.detail["code"], deferred.detail["reply"]) == (451, LATER)
    [received] = smtp.received_by("cleo@example.com")
    assert cleo.last_reply == received.reply
    assert received.reply.startswith("250 2.0.0 Ok: queued as ")
    assert _refused_for(smtp, "cleo@example.com") == 1


def test_it_soft_bounces_when_every_attempt_is_deferred_at_the_end_of_data(
    smtp: SmtpServer,
    fast_retries: list[float],
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    deliver: Callable[[], DeliverReport],
) -> None:
    [dan] = add_recipients(("Dan", "dan@example.com"))
    smtp.answer(Answer.DEFER_DATA, to="dan@example.com")

    certificate_send(certificate=certificate)
    deliver()

    dan.refresh_from_db()
    assert dan.email_status == EmailStatus.BOUNCED
    assert dan.bounce_kind == BounceKind.SOFT
    assert dan.attempts == len(fast_retries) + 1
    assert dan.last_reply == LATER
    types = _types(dan)
    assert types.count("email.deferred") == len(fast_retries)
    assert types[-1] == "email.bounced"
    bounced = Event.objects.get(recipient=dan, type=EventType.EMAIL_BOUNCED)
    assert (bounced.detail["kind"], bounced.detail["code"]) == ("soft", 451)
    assert smtp.messages == []
    assert _refused_for(smtp, "dan@example.com") == len(fast_retries) + 1


@pipelining_modes
@pytest.mark.parametrize("answer", [Answer.REJECT_DATA, Answer.DEFER_DATA])
def test_it_sends_the_next_message_on_the_same_connection_after_a_refusal_at_the_end_of_data(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    pipelining: bool,
    answer: Answer,
) -> None:
    smtp.pipelining = pipelining
    settings.SEND_RETRY_DELAYS = [RETRY_DELAY]
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(4)])
    refused = {"p0@example.com", "p2@example.com"}  # the first, and one in the middle
    for address in refused:
        smtp.answer(answer, to=address)

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert report.batches == 1
    assert smtp.connections == 1
    assert report.delivered == 2
    assert (report.bounced, report.deferred) == ((2, 0) if answer == Answer.REJECT_DATA else (0, 2))
    assert [message.rcpt_tos for message in smtp.messages] == [
        ["p1@example.com"],
        ["p3@example.com"],
    ]
    assert sorted(address for message in smtp.refused for address in message.rcpt_tos) == [
        "p0@example.com",
        "p2@example.com",
    ]
    for person in people:
        person.refresh_from_db()
        if person.email in refused:
            assert person.last_reply == (SPAM if answer == Answer.REJECT_DATA else LATER)
            if answer == Answer.REJECT_DATA:
                assert person.email_status == EmailStatus.BOUNCED
                assert person.bounce_kind == BounceKind.BLOCKED  # a spam refusal
            else:
                assert person.email_status == EmailStatus.SENDING
                assert person.next_attempt_at is not None
            continue
        # Its own message, complete, with its own reply: not the refused one's.
        [received] = smtp.received_by(person.email)
        assert received.message["To"].addresses[0].display_name == person.name
        assert received.mail_from == f"bounces+{person.public_id}@conferral.localhost"
        assert person.email_status == EmailStatus.DELIVERED
        assert person.last_reply == received.reply
        sent = Event.objects.get(recipient=person, type=EventType.EMAIL_SENT)
        assert sent.detail["message_id"] == received.message["Message-ID"]
        assert _types(person) == ["email.queued", "email.sent", "email.delivered"]


@pipelining_modes
def test_it_reconnects_for_the_next_message_after_a_421_at_the_end_of_data(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    pipelining: bool,
) -> None:
    smtp.pipelining = pipelining
    settings.SEND_RETRY_DELAYS = [RETRY_DELAY]
    first, closing, last = add_recipients(
        ("First", "first@example.com"),
        ("Closing", "closing@example.com"),
        ("Last", "last@example.com"),
    )
    smtp.answer(Answer.DEFER_DATA, to="closing@example.com", times=1, reply=CLOSING)

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert (report.delivered, report.deferred, report.bounced) == (2, 1, 0)
    assert smtp.connections == 2  # the 421 ended the first one
    closing.refresh_from_db()
    assert closing.email_status == EmailStatus.SENDING
    assert closing.last_reply == CLOSING
    assert Event.objects.get(recipient=closing, type=EventType.EMAIL_DEFERRED).detail["code"] == 421
    for person in (first, last):
        person.refresh_from_db()
        assert person.email_status == EmailStatus.DELIVERED
        assert len(smtp.received_by(person.email)) == 1
    assert smtp.received_by("closing@example.com") == []


@pipelining_modes
@pytest.mark.parametrize(
    ("answer", "reply", "code", "permanent"),
    [
        (Answer.REJECT_DATA, None, 550, True),
        (Answer.REJECT_DATA, CONTENT, 554, True),
        (Answer.DEFER_DATA, None, 451, False),
    ],
    ids=["550", "554", "451"],
)
def test_it_raises_the_refusal_at_the_end_of_data_and_sends_the_next_message(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    pipelining: bool,
    answer: Answer,
    reply: str | None,
    code: int,
    permanent: bool,
) -> None:
    smtp.pipelining = pipelining
    refused, accepted = add_recipients(("Refused", "r@example.com"), ("Next", "n@example.com"))
    smtp.answer(answer, to="r@example.com", reply=reply)
    template = MessageTemplate(certificate)
    first, second = template.build(refused), template.build(accepted)
    transport = SmtpTransport(email_url_parse(smtp.url))

    try:
        with pytest.raises(TransportError) as raised:
            transport.send(first, then=second)
        assert transport.pipelining is pipelining
        reply_of_second = transport.send(second)
    finally:
        transport.close()

    assert raised.value.code == code
    assert raised.value.permanent is permanent
    assert not raised.value.unreachable
    assert raised.value.reply == (reply or (SPAM if permanent else LATER))
    [received] = smtp.messages
    assert received.rcpt_tos == ["n@example.com"]
    assert received.message["Message-ID"] == second.message_id
    assert reply_of_second == received.reply
    assert [message.message["Message-ID"] for message in smtp.refused] == [first.message_id]
    assert smtp.connections == 1
