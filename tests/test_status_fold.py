"""Random lives of a few recipients, played through the real services (sending, the
worker's outbox, the tracking services, claims, reports, edits, revocation): after every
sequence the status columns equal a pure fold of the event log, and the invariants
hold (a click implies an open, claimed ≤ recipients, a bounced recipient is not counted
delivered)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.accounts.models import Organization
from conferral.certificates.credentials import CredentialError, credential_claim, recipient_revoke
from conferral.certificates.models import Certificate, Channel, Event, Recipient
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    ServiceError,
    certificate_create,
    recipient_update,
    recipients_add,
)
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.feedback import email_bounce_record, email_complaint_record
from conferral.delivery.outbox import (
    outbox_claim,
    outbox_record_accepted,
    outbox_record_bounced,
    outbox_record_deferred,
)
from conferral.delivery.services import certificate_send, recipient_resend
from conferral.stats.selectors import certificate_statistics
from conferral.testing.history import FoldedState, fold
from conferral.tracking import services as tracking

PERSON = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
APPLE_PROXY = "Mozilla/5.0"  # what Apple Mail Privacy Protection's fetches send
APPLE_ADDRESS = "17.58.0.1"
WORKER = "property-test-worker"
STEP = dt.timedelta(hours=1)  # between two actions: past any "too soon" rule and retry

ACTIONS = [
    "send",
    "send_later",
    "resend",
    "accept",
    "refuse",
    "defer",
    "open",
    "machine_open",
    "click",
    "machine_click",
    "view",
    "claim",
    "download",
    "share",
    "linkedin",
    "late_bounce",
    "complain",
    "fix_address",
    "remove_address",
    "revoke",
]
_emails = itertools.count(1)


def _worker(outcome: str, recipient: Recipient) -> None:
    """The worker's part: lease what is due and record the server's answer."""
    for leased in outbox_claim(lease_owner=WORKER, limit=100):
        if leased.pk != recipient.pk:
            continue
        if outcome == "accept":
            outbox_record_accepted(
                recipient=leased,
                lease_owner=WORKER,
                reply="250 2.0.0 Ok",
                message_id="<m@test>",
                transport="test",
            )
        elif outcome == "refuse":
            outbox_record_bounced(
                recipient=leased, lease_owner=WORKER, reply="550 5.1.1 unknown", code=550
            )
        else:
            outbox_record_deferred(
                recipient=leased, lease_owner=WORKER, reply="451 4.7.1 later", code=451
            )


def _act(action: str, recipient: Recipient, certificate: Certificate) -> None:
    recipient.refresh_from_db()
    now = dt.datetime.now(dt.UTC)
    match action:
        case "send" | "send_later":
            at = now + STEP / 2 if action == "send_later" else None
            certificate_send(certificate=certificate, recipient_ids=[recipient.public_id], at=at)
        case "resend":
            recipient_resend(recipient=recipient)
        case "accept" | "refuse" | "defer":
            _worker(action, recipient)
        case "open":
            tracking.email_open_record(recipient=recipient, user_agent=PERSON)
        case "machine_open":
            tracking.email_open_record(
                recipient=recipient, user_agent=APPLE_PROXY, client_address=APPLE_ADDRESS
            )
        case "click":
            tracking.email_click_record(recipient=recipient, user_agent=PERSON)
        case "machine_click":
            tracking.email_click_record(recipient=recipient, user_agent=PERSON, method="HEAD")
        case "view":
            tracking.credential_view_record(
                recipient=recipient, channel=Channel.EMAIL, user_agent=PERSON
            )
        case "claim":
            credential_claim(recipient=recipient, channel=Channel.TOKEN)
        case "download":
            tracking.credential_download_record(recipient=recipient, format="pdf")
        case "share":
            tracking.credential_share_record(recipient=recipient, network="linkedin")
        case "linkedin":
            tracking.credential_linkedin_add_record(recipient=recipient)
        case "late_bounce":
            email_bounce_record(recipient=recipient, reply="550 5.1.1 gone", kind=BounceKind.HARD)
        case "complain":
            email_complaint_record(recipient=recipient, feedback="abuse")
        case "fix_address":
            recipient_update(recipient=recipient, email=f"fixed{next(_emails)}@example.org")
        case "remove_address":
            recipient_update(recipient=recipient, email="")
        case "revoke":
            recipient_revoke(recipient=recipient, reason="Issued by mistake")


def _columns(recipient: Recipient) -> FoldedState:
    recipient.refresh_from_db()
    return FoldedState(
        **{name: getattr(recipient, name) for name in FoldedState.__dataclass_fields__}
    )


# Moves the random lives must have made at least once (so the test is not vacuous).
MUST_SEE = {
    (action, before.value, after.value)
    for action, before, after in [
        ("accept", EmailStatus.SENDING, EmailStatus.DELIVERED),
        ("defer", EmailStatus.SCHEDULED, EmailStatus.SENDING),
        ("refuse", EmailStatus.SENDING, EmailStatus.BOUNCED),
        ("open", EmailStatus.DELIVERED, EmailStatus.OPENED),
        ("click", EmailStatus.OPENED, EmailStatus.CLICKED),
        ("late_bounce", EmailStatus.DELIVERED, EmailStatus.BOUNCED),
        ("complain", EmailStatus.DELIVERED, EmailStatus.COMPLAINED),
        ("resend", EmailStatus.BOUNCED, EmailStatus.SENDING),
        ("resend", EmailStatus.DELIVERED, EmailStatus.SENDING),
        ("fix_address", EmailStatus.BOUNCED, EmailStatus.NOT_SENT),
        ("fix_address", EmailStatus.NOT_PROVIDED, EmailStatus.NOT_SENT),
        ("remove_address", EmailStatus.SENDING, EmailStatus.NOT_PROVIDED),
    ]
}


@pytest.mark.django_db
def test_it_keeps_the_status_columns_equal_to_a_fold_of_the_event_log(
    org: Organization, settings: SettingsWrapper
) -> None:
    settings.SEND_RETRY_DELAYS = [60]  # a second deferral is a soft bounce
    seen: set[tuple[str, str, str]] = set()
    with freeze_time("2030-01-01T08:00:00Z") as clock:
        assert isinstance(clock, FrozenDateTimeFactory)
        _play(org, clock, seen)
    assert seen >= MUST_SEE, sorted(MUST_SEE - seen)


def _life(*actions: str) -> list[tuple[int, str]]:
    """A script for the first recipient alone."""
    return [(0, action) for action in actions]


def _play(org: Organization, clock: FrozenDateTimeFactory, seen: set[tuple[str, str, str]]) -> None:
    @hypothesis_settings(
        max_examples=80,
        derandomize=True,  # the same lives on every run, so a failure reproduces
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        with_email=st.lists(st.booleans(), min_size=1, max_size=2),
        script=st.lists(
            st.tuples(st.integers(min_value=0, max_value=1), st.sampled_from(ACTIONS)),
            min_size=4,
            max_size=30,
        ),
    )
    @example(with_email=[False], script=_life("fix_address", "send", "accept"))
    @example(
        with_email=[True],
        script=_life("send", "accept", "late_bounce", "fix_address", "send", "defer", "defer"),
    )
    @example(
        with_email=[True],
        script=_life("send", "defer", "defer", "resend", "accept", "complain", "resend"),
    )
    @example(
        with_email=[True],
        script=_life("send_later", "defer", "remove_address", "fix_address", "send", "refuse"),
    )
    @example(
        with_email=[True],
        script=_life("send", "accept", "resend", "accept", "open", "click", "late_bounce"),
    )
    def play(with_email: list[bool], script: list[tuple[int, str]]) -> None:
        certificate = certificate_create(organization=org, name="Property")
        rows = [
            RawRow(i, f"Person {i}", f"p{next(_emails)}@example.com" if has else "")
            for i, has in enumerate(with_email, start=1)
        ]
        people = recipients_add(certificate=certificate, rows=rows).recipients
        for index, action in script:
            clock.tick(STEP)
            person = people[index % len(people)]
            before = _columns(person)
            try:
                _act(action, person, certificate)
            except (ServiceError, RecipientsInvalid, CredentialError):
                assert _columns(person) == before  # refused: nothing changed
            seen.add((action, before.email_status, _columns(person).email_status))
        for person, has in zip(people, with_email, strict=True):
            events = Event.objects.filter(recipient=person).order_by("at", "id")
            assert _columns(person) == fold(events, created_with_email=has)
            _assert_invariants(person)
        _assert_statistics(certificate)
        certificate.delete()

    play()


def _assert_invariants(person: Recipient) -> None:
    if person.clicked_at is not None:
        assert person.opened_at is not None
        assert person.opened_at <= person.clicked_at
    if person.email_status == EmailStatus.CLICKED:
        assert person.clicked_at is not None
    if person.email_status == EmailStatus.OPENED:
        assert person.opened_at is not None
    if person.email_status == EmailStatus.BOUNCED:
        assert person.bounce_kind in BounceKind.values
    if not person.email:
        assert person.next_attempt_at is None or person.lease_owner


def _assert_statistics(certificate: Certificate) -> None:
    stats = certificate_statistics(certificate)
    email = stats["email"]
    bounced = Recipient.objects.filter(
        certificate=certificate, email_status=EmailStatus.BOUNCED
    ).count()
    assert stats["claimed"]["count"] <= stats["recipients"]
    assert email["bounced"] == bounced
    assert email["delivered"] + bounced <= stats["recipients"]
    assert email["clicked"] <= email["opened"]
    not_delivered = Recipient.objects.filter(certificate=certificate).exclude(
        email_status__in=[
            EmailStatus.DELIVERED,
            EmailStatus.OPENED,
            EmailStatus.CLICKED,
            EmailStatus.COMPLAINED,
        ]
    )
    assert email["delivered"] == stats["recipients"] - not_delivered.count()
