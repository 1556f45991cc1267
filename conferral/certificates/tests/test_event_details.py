"""Typed event details: every type has one, it survives the trip through JSON, and a
stored row of any age or shape is read without breaking a timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from conferral.certificates import event_details as details
from conferral.certificates.models import EventType

AT = dt.datetime(2030, 3, 4, 13, 55, tzinfo=dt.UTC)
SAMPLES: list[details.EventDetail] = [
    details.EmailQueued(resend=True, scheduled_for=AT),
    details.EmailCancelled(),
    details.EmailSent(message_id="<m@x>", transport="smtp", attempt=2),
    details.EmailDelivered(reply="250 2.0.0 Ok"),
    details.EmailDeferred(reply="451 later", code=451, attempt=1, max_attempts=6, retry_at=AT),
    details.EmailBounced(reply="550 5.1.1 unknown", code=550, kind="hard", attempts=1),
    details.EmailOpened(machine_reason="apple_privacy", inferred=False),
    details.EmailClicked(machine_reason="link_scanner", machine_source="Microsoft"),
    details.EmailBounced(
        reply="550 5.7.1 policy",
        code=550,
        kind="blocked",
        late=True,
        status="5.7.1",
        explanation="Refused by policy",
        source="dsn",
        report_id=7,
        accepted_at=AT,
    ),
    details.EmailComplained(feedback="abuse", source="arf", report_id=3),
    details.EmailAutoReplied(subject="Out of office", report_id=4),
    details.EmailSuppressed(reason="hard_bounce", since=AT),
    details.EmailUnsubscribed(one_click=True),
    details.CredentialViewed(),
    details.CredentialClaimed(),
    details.CredentialDownloaded(format="pdf"),
    details.CredentialShared(network="linkedin"),
    details.CredentialLinkedinAdded(),
    details.CredentialVerified(machine_reason="bot"),
    details.CredentialRevoked(reason="Issued by mistake"),
    details.CredentialReissued(reason="New name"),
    details.CredentialErased(by="owner@acme.test"),
    details.RecipientUpdated(fields=["email"], old_email="a@x.org", new_email="b@x.org"),
]


def test_it_has_one_detail_class_per_event_type() -> None:
    assert set(details.DETAILS) == set(EventType.values)
    assert {type(sample).TYPE for sample in SAMPLES} == set(EventType)


@pytest.mark.parametrize("detail", SAMPLES, ids=lambda d: type(d).__name__)
def test_it_reads_back_what_it_wrote(detail: details.EventDetail) -> None:
    assert type(detail).from_json(detail.to_json()) == detail


def test_it_leaves_defaults_out_of_the_stored_row() -> None:
    assert details.EmailOpened().to_json() == {}
    assert details.EmailQueued(resend=True).to_json() == {"resend": True}
    assert details.EmailBounced(reply="x", code=None, kind="soft").to_json() == {
        "reply": "x",
        "code": None,
        "kind": "soft",
    }


def test_it_reads_an_old_row_without_the_newer_keys() -> None:
    # Deferrals were stored without max_attempts, sends without attempt.
    old = {"reply": "451 later", "code": 451, "attempt": 2, "retry_at": AT.isoformat()}
    assert details.EmailDeferred.from_json(old).max_attempts == 0
    assert details.EmailSent.from_json({"message_id": "<m>", "transport": "smtp"}).attempt == 1


def test_it_reads_a_row_of_the_wrong_shape_as_empty_values() -> None:
    odd = {"reply": 3, "code": True, "attempt": "two", "retry_at": "not a time", "extra": 1}
    assert details.EmailDeferred.from_json(odd) == details.EmailDeferred(
        reply="", code=None, attempt=0, max_attempts=0, retry_at=None
    )
    assert details.RecipientUpdated.from_json({"fields": "email"}).fields == []


def test_it_reads_times_under_a_test_clock_as_well() -> None:
    stored = details.EmailQueued(scheduled_for=AT).to_json()
    assert details.EmailQueued.from_json(stored).scheduled_for == AT  # types resolved here
    with freeze_time("2030-01-01T00:00:00Z"):
        assert details.EmailQueued.from_json(stored).scheduled_for == AT
        assert details.EmailQueued(scheduled_for=AT).to_json() == stored


def test_it_blanks_only_the_personal_fields_of_a_detail() -> None:
    bounced = details.EmailBounced(
        reply="550 5.1.1 <ada@example.com>: no such user",
        code=550,
        kind="hard",
        status="5.1.1",
        explanation="The mailbox ada@example.com does not exist.",
        report_id=7,
        late=True,
    )

    assert bounced.anonymised().to_json() == {
        "reply": "",
        "code": 550,
        "kind": "hard",
        "status": "5.1.1",
        "late": True,
    }
    updated = details.RecipientUpdated(fields=["email"], old_email="a@x.org", new_email="b@x.org")
    assert updated.anonymised().to_json() == {"fields": ["email"]}
    viewed = details.CredentialViewed(machine_reason="known_crawler", count=3)
    assert viewed.anonymised() == viewed
