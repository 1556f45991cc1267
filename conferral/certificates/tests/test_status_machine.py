"""The email-status machine, table by table: every step from every status, in Python,
as the ORM's conditional expression and as the hand-written SQL's, and the certificate
status the database computes from each email status."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from conferral.certificates.models import Recipient
from conferral.certificates.statements import column
from conferral.certificates.status import (
    DELIVERED,
    IN_FLIGHT,
    QUEUEABLE,
    READ,
    TRANSITIONS,
    EmailStatus,
    Status,
    Step,
    engagement_status,
    transition,
)

S = EmailStatus
ALL = list(EmailStatus)


def moves(changes: dict[EmailStatus, EmailStatus]) -> dict[EmailStatus, EmailStatus]:
    """A full row of the table: the given changes, every other status unchanged."""
    return {status: changes.get(status, status) for status in ALL}


# The specification, written out: for each step, what every status becomes.
EXPECTED: dict[Step, dict[EmailStatus, EmailStatus]] = {
    # Sending (again) puts a recipient in flight, but a message already read stays
    # read, and there is nothing to send without an address or after a complaint.
    Step.QUEUE: moves(
        {
            S.NOT_SENT: S.SENDING,
            S.SCHEDULED: S.SENDING,
            S.DELIVERED: S.SENDING,
            S.BOUNCED: S.SENDING,  # a resend after a soft bounce, or a fixed address
        }
    ),
    Step.SCHEDULE: moves(
        {
            S.NOT_SENT: S.SCHEDULED,
            S.SENDING: S.SCHEDULED,
            S.DELIVERED: S.SCHEDULED,
            S.BOUNCED: S.SCHEDULED,
        }
    ),
    Step.CANCEL: moves({S.SCHEDULED: S.NOT_SENT}),
    Step.DEFER: moves({S.SCHEDULED: S.SENDING}),
    Step.DELIVER: moves({S.SCHEDULED: S.DELIVERED, S.SENDING: S.DELIVERED}),
    # A bounce may come hours after delivery, after an open or a click: it wins.
    Step.BOUNCE: moves(
        {
            S.SCHEDULED: S.BOUNCED,
            S.SENDING: S.BOUNCED,
            S.DELIVERED: S.BOUNCED,
            S.OPENED: S.BOUNCED,
            S.CLICKED: S.BOUNCED,
        }
    ),
    Step.OPEN: moves({S.SCHEDULED: S.OPENED, S.SENDING: S.OPENED, S.DELIVERED: S.OPENED}),
    Step.CLICK: moves(
        {
            S.SCHEDULED: S.CLICKED,
            S.SENDING: S.CLICKED,
            S.DELIVERED: S.CLICKED,
            S.OPENED: S.CLICKED,
        }
    ),
    Step.COMPLAIN: moves(
        {
            S.SCHEDULED: S.COMPLAINED,
            S.SENDING: S.COMPLAINED,
            S.DELIVERED: S.COMPLAINED,
            S.OPENED: S.COMPLAINED,
            S.CLICKED: S.COMPLAINED,
        }
    ),
    Step.ADDRESS_ADD: moves({S.NOT_PROVIDED: S.NOT_SENT, S.BOUNCED: S.NOT_SENT}),
    Step.ADDRESS_REMOVE: moves(
        {
            S.NOT_SENT: S.NOT_PROVIDED,
            S.SCHEDULED: S.NOT_PROVIDED,
            S.SENDING: S.NOT_PROVIDED,
            S.BOUNCED: S.NOT_PROVIDED,
        }
    ),
}

CERTIFICATE_STATUS = {
    S.NOT_PROVIDED: Status.NOT_SENT,
    S.NOT_SENT: Status.NOT_SENT,
    S.SCHEDULED: Status.PENDING,
    S.SENDING: Status.PENDING,
    S.DELIVERED: Status.DELIVERED,
    S.OPENED: Status.DELIVERED,
    S.CLICKED: Status.DELIVERED,
    S.BOUNCED: Status.BOUNCED,
    S.COMPLAINED: Status.DELIVERED,
}


def test_it_has_a_row_for_every_step() -> None:
    assert set(TRANSITIONS) == set(Step) == set(EXPECTED)


@pytest.mark.parametrize(
    ("step", "status"), [(step, status) for step in Step for status in ALL], ids=str
)
def test_it_moves_each_status_as_the_table_says(step: Step, status: EmailStatus) -> None:
    assert transition(step).apply(status) == EXPECTED[step][status]


@pytest.fixture
def one_per_status(
    add_recipients: Callable[..., list[Recipient]],
) -> dict[EmailStatus, Recipient]:
    people = add_recipients(*[(status.value, f"{status.value}@example.com") for status in ALL])
    for person in people:
        Recipient.objects.filter(pk=person.pk).update(email_status=person.name)
    return {EmailStatus(person.name): person for person in people}


def _statuses(people: dict[EmailStatus, Recipient]) -> dict[EmailStatus, str]:
    now = dict(Recipient.objects.values_list("pk", "email_status"))
    return {status: now[person.pk] for status, person in people.items()}


@pytest.mark.parametrize("step", list(Step), ids=str)
def test_it_moves_the_rows_the_same_in_an_orm_update(
    step: Step, one_per_status: dict[EmailStatus, Recipient]
) -> None:
    Recipient.objects.update(email_status=transition(step).expression())
    assert _statuses(one_per_status) == EXPECTED[step]


@pytest.mark.parametrize("step", list(Step), ids=str)
def test_it_moves_the_rows_the_same_in_hand_written_sql(
    step: Step, one_per_status: dict[EmailStatus, Recipient]
) -> None:
    status_column = column(Recipient, "email_status")
    expression, params = transition(step).sql(status_column)
    table = connection.ops.quote_name(Recipient._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {status_column} = {expression}", params)  # noqa: S608
    assert _statuses(one_per_status) == EXPECTED[step]


@pytest.mark.parametrize("step", list(Step), ids=str)
def test_it_selects_exactly_the_rows_a_step_moves(
    step: Step, one_per_status: dict[EmailStatus, Recipient]
) -> None:
    selected = {
        EmailStatus(status)
        for status in Recipient.objects.filter(transition(step).sources_q()).values_list(
            "email_status", flat=True
        )
    }
    changed = {status for status in ALL if EXPECTED[step][status] != status}
    assert changed <= selected
    assert {EXPECTED[step][status] for status in selected} == {transition(step).target}


def test_it_computes_the_certificate_status_from_the_email_status(
    one_per_status: dict[EmailStatus, Recipient],
) -> None:
    computed = dict(Recipient.objects.values_list("email_status", "status"))
    assert computed == {status.value: CERTIFICATE_STATUS[status].value for status in ALL}


def test_it_lets_a_claim_win_over_every_email_status(
    one_per_status: dict[EmailStatus, Recipient],
) -> None:
    Recipient.objects.update(claimed_at="2030-01-01T00:00:00Z", claim_channel="token")
    assert set(Recipient.objects.values_list("status", flat=True)) == {Status.CLAIMED.value}


def test_it_names_the_groups_consistently() -> None:
    assert READ <= DELIVERED
    assert not IN_FLIGHT & DELIVERED
    assert S.BOUNCED not in DELIVERED
    assert S.NOT_PROVIDED not in QUEUEABLE
    assert S.COMPLAINED not in QUEUEABLE
    # What a send moves is what may be sent, but for a message already read.
    assert transition(Step.QUEUE).sources == QUEUEABLE - READ


@pytest.mark.parametrize("status", ALL)
def test_it_recomputes_a_read_status_from_what_remains_a_persons(status: EmailStatus) -> None:
    found = {
        (opened, clicked): engagement_status(status, opened=opened, clicked=clicked)
        for opened in (False, True)
        for clicked in (False, True)
    }

    if status in READ:
        assert found == {
            (False, False): S.DELIVERED,
            (True, False): S.OPENED,
            (False, True): S.CLICKED,
            (True, True): S.CLICKED,
        }
    else:
        # Bounced, complained, in flight…: not moved by opens or clicks, so left alone.
        assert set(found.values()) == {status}
