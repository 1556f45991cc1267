"""`conferral send CERTIFICATE_ID` and `conferral status CERTIFICATE_ID`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.cli import recipients
from conferral.cli.tests.conftest import Run
from conferral.delivery.pipeline import deliver_due


def test_it_queues_and_waits_until_everything_is_delivered(
    run: Run, certificate: Certificate, people: list[Recipient], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Instead of sleeping between two looks, run the worker's deliver loop.
    monkeypatch.setattr(recipients, "pause", lambda seconds: deliver_due())
    result = run("send", certificate.public_id)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Queued 2 emails."
    assert lines[1] == "0 delivered, 0 bounced 0% (0/2 emails)"
    assert lines[-1] == "Done: 2 delivered, 0 bounced."
    assert set(Recipient.objects.values_list("email_status", flat=True)) == {
        EmailStatus.DELIVERED,
        EmailStatus.NOT_PROVIDED,
    }


def test_it_queues_without_waiting(
    run: Run, certificate: Certificate, people: list[Recipient]
) -> None:
    result = run("send", certificate.public_id, "--no-wait")
    assert result.exit_code == 0
    assert result.stdout.startswith("Queued 2 emails.\nA worker sends them")
    assert Recipient.objects.filter(email_status=EmailStatus.SENDING).count() == 2


def test_it_counts_a_single_email_in_the_singular(
    run: Run, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada Lovelace", "ada@example.com"))
    result = run("send", certificate.public_id, "--no-wait")
    assert result.exit_code == 0
    assert result.stdout.startswith("Queued 1 email.\n")


def test_it_schedules_a_send(run: Run, certificate: Certificate, people: list[Recipient]) -> None:
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    result = run("send", certificate.public_id, "--at", at.isoformat())
    assert result.exit_code == 0
    assert result.stdout == f"Scheduled 2 emails for {at.isoformat(timespec='minutes')}.\n"
    assert Recipient.objects.filter(email_status=EmailStatus.SCHEDULED).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["send", "no-such-id"], "There is no certificate with the id “no-such-id”"),
        (["send", "{id}", "--at", "next tuesday"], "“next tuesday” is not a time"),
        (["send", "{id}"], "There are no recipients to send to"),
        (["status", "no-such-id"], "There is no certificate with the id"),
    ],
)
def test_it_fails_clearly(
    run: Run, certificate: Certificate, args: list[str], message: str
) -> None:
    result = run(*[arg.format(id=certificate.public_id) for arg in args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_it_prints_the_statistics(
    run: Run, certificate: Certificate, people: list[Recipient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recipients, "pause", lambda seconds: deliver_due())
    run("send", certificate.public_id)
    result = run("status", certificate.public_id)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Certificate: Python Fundamentals (Certificate)" in lines
    assert f"ID: {certificate.public_id}" in lines
    assert "Recipients: 3" in lines
    assert "Claimed: 0 (0.0 %)" in lines
    assert "Sent: 2" in lines
    assert "Email not provided: 1" in lines

    data = json.loads(run("status", certificate.public_id, "--json").stdout)
    assert data["recipients"] == 3
    assert data["email"]["sent"] == 2
