"""A worker that dies holding a lease loses nothing: the sweeper hands the rows back and
each recipient gets exactly one message. A live lease is never taken over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.delivery import tasks
from conferral.delivery.outbox import outbox_claim, outbox_record_accepted
from conferral.delivery.pipeline import deliver_due
from conferral.delivery.services import certificate_send
from conferral.testing.smtp import SmtpServer


def test_it_hands_back_an_expired_lease_and_sends_each_recipient_once(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(6)])
    certificate_send(certificate=certificate)
    # A dead worker: it leased three rows, and its lease ran out a minute ago.
    dead = [p.pk for p in people[:3]]
    Recipient.objects.filter(pk__in=dead).update(
        lease_owner="dead-host:123:abc:0", lease_until=timezone.now() - dt.timedelta(minutes=1)
    )
    started: list[int] = []
    monkeypatch.setattr(tasks, "deliver_enqueue", lambda **kw: started.append(1))

    result = tasks.sweep_run()

    assert result == {"released": 3, "due": True, "started": True}
    assert started == [1]
    assert not Recipient.objects.exclude(lease_owner="").exists()
    deliver_due()
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(p.email for p in people)
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {EmailStatus.DELIVERED}


def test_it_leaves_a_live_lease_alone_and_starts_nothing_while_it_runs(
    smtp: SmtpServer,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    certificate_send(certificate=certificate)
    [held] = outbox_claim(lease_owner="busy-worker:0", limit=1)
    started: list[int] = []
    monkeypatch.setattr(tasks, "deliver_enqueue", lambda **kw: started.append(1))

    result = tasks.sweep_run()

    assert result == {"released": 0, "due": True, "started": False}
    assert started == []
    report = deliver_due()
    assert report.delivered == 1
    assert [m.rcpt_tos for m in smtp.messages] == [["bob@example.com"]]
    held.refresh_from_db()
    assert held.lease_owner == "busy-worker:0"


def test_it_does_not_record_a_result_for_a_lease_it_lost(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    certificate_send(certificate=certificate)
    [mine] = outbox_claim(lease_owner="slow-worker:0", limit=1)
    Recipient.objects.filter(pk=mine.pk).update(lease_owner="other-worker:0")

    recorded = outbox_record_accepted(
        recipient=mine,
        lease_owner="slow-worker:0",
        reply="250 ok",
        message_id="<x@y>",
        transport="smtp",
    )

    assert recorded is False
    mine.refresh_from_db()
    assert mine.email_status == EmailStatus.SENDING
    assert mine.sends == 0


def test_it_skips_rows_taken_over_while_a_slow_batch_ran(
    smtp: SmtpServer,
    settings: object,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conferral.delivery import outbox, pipeline

    add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    certificate_send(certificate=certificate)
    settings.SEND_LEASE_SECONDS = 0  # type: ignore[attr-defined]
    # Every message renews the lease; before Bob's turn another worker took Bob over.
    real_renew = outbox.outbox_renew

    def renew_after_takeover(*, lease_owner: str) -> set[int]:
        if smtp.messages:
            Recipient.objects.filter(email="bob@example.com").update(
                lease_owner="thief:0", lease_until=timezone.now() + dt.timedelta(hours=1)
            )
        return real_renew(lease_owner=lease_owner)

    monkeypatch.setattr(pipeline, "outbox_renew", renew_after_takeover)

    report = deliver_due()

    assert report.lost >= 1
    assert [m.rcpt_tos for m in smtp.messages] == [["ada@example.com"]]
    assert Recipient.objects.get(email="bob@example.com").lease_owner == "thief:0"
