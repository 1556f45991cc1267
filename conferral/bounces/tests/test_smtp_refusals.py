"""The classifier at send time, through a real SMTP server on 127.0.0.1: a permanent
reply that time fixes is retried, a policy refusal is a blocked bounce that leaves the
address off the suppression list, an unknown mailbox a hard bounce that puts it there."""

from __future__ import annotations

from collections.abc import Callable

from pytest_django.fixtures import Settings

from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.models import Suppression
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import Answer, SmtpServer


def test_it_retries_a_full_mailbox_although_the_reply_is_permanent(
    smtp: SmtpServer,
    settings: Settings,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    settings.SEND_RETRY_DELAYS = [600]
    [ann] = add_recipients(("Ann", "ann@example.com"))
    smtp.answer(Answer.REJECT, to="ann@example.com", reply="552 5.2.2 Mailbox full")

    certificate_send(certificate=certificate)
    report = deliver_due()

    assert (report.deferred, report.bounced) == (1, 0)
    ann.refresh_from_db()
    assert ann.email_status != EmailStatus.BOUNCED
    assert ann.next_attempt_at is not None
    assert not Suppression.objects.exists()


def test_it_bounces_a_policy_refusal_as_blocked_without_suppressing(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [bea, cid] = add_recipients(("Bea", "bea@example.com"), ("Cid", "cid@example.com"))
    reply = "550 5.7.606 Access denied, banned sending IP [127.0.0.1]"
    smtp.answer(Answer.REJECT, to="bea@example.com", reply=reply)
    smtp.answer(Answer.REJECT, to="cid@example.com")

    certificate_send(certificate=certificate)
    assert deliver_due().bounced == 2

    bea.refresh_from_db()
    cid.refresh_from_db()
    assert (bea.bounce_kind, cid.bounce_kind) == (BounceKind.BLOCKED, BounceKind.HARD)
    blocked = Event.objects.get(recipient=bea, type=EventType.EMAIL_BOUNCED).detail
    assert (blocked["kind"], blocked["status"]) == ("blocked", "5.7.606")
    assert "blocklist" in blocked["explanation"]
    hard = Event.objects.get(recipient=cid, type=EventType.EMAIL_BOUNCED).detail
    assert (hard["kind"], hard["status"]) == ("hard", "5.1.1")
    assert list(Suppression.objects.values_list("email", flat=True)) == ["cid@example.com"]
