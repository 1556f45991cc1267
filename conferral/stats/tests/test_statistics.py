"""Statistics of a hand-built list with a recipient in every state. The states are set
directly on the recipient rows, as the delivery and tracking services leave them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferral.certificates.facts import FACTS, Fact
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.selectors import recipients_filter
from conferral.certificates.services import RawRow, recipients_add
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.stats.selectors import certificate_statistics, percent

NOW = timezone.now()
SENT = {"first_sent_at": NOW - dt.timedelta(hours=2)}
DELIVERED = {**SENT, "email_status": EmailStatus.DELIVERED, "delivered_at": NOW}

# name -> columns; every email state and every engagement facet appears.
STATES: dict[str, dict[str, Any]] = {
    "no address": {"email_status": EmailStatus.NOT_PROVIDED},
    "not sent": {},
    "scheduled": {"email_status": EmailStatus.SCHEDULED, "next_attempt_at": NOW},
    "sending": {"email_status": EmailStatus.SENDING, "next_attempt_at": NOW},
    "delivered": DELIVERED,
    "apple proxy only": {**DELIVERED, "machine_opened_at": NOW},
    "opened": {**DELIVERED, "email_status": EmailStatus.OPENED, "opened_at": NOW},
    "opened, machine too": {
        **DELIVERED,
        "email_status": EmailStatus.OPENED,
        "opened_at": NOW,
        "machine_opened_at": NOW,
    },
    "clicked, images blocked": {
        **DELIVERED,
        "email_status": EmailStatus.CLICKED,
        "clicked_at": NOW,
        "claimed_at": NOW,
        "claim_channel": "email",
        "downloaded_at": NOW,
        "shared": ["linkedin", "x"],
        "linkedin_added_at": NOW,
    },
    "hard bounce": {
        **SENT,
        "email_status": EmailStatus.BOUNCED,
        "bounce_kind": BounceKind.HARD,
        "bounced_at": NOW,
    },
    "soft bounce": {
        **SENT,
        "email_status": EmailStatus.BOUNCED,
        "bounce_kind": BounceKind.SOFT,
        "bounced_at": NOW,
    },
    "claimed from dashboard link, never sent": {
        "claimed_at": NOW,
        "claim_channel": "admin",
        "shared": ["facebook"],
    },
    "delivered, claimed by token, downloaded": {
        **DELIVERED,
        "claimed_at": NOW,
        "claim_channel": "token",
        "downloaded_at": NOW,
    },
    "delivered, claimed via API": {
        **DELIVERED,
        "claimed_at": NOW,
        "claim_channel": "api",
        "shared": ["linkedin"],
        "linkedin_added_at": NOW,
    },
    'quote "x" in a name': {"shared": []},
    "link scanned, then marked as spam": {
        **DELIVERED,
        "email_status": EmailStatus.COMPLAINED,
        "machine_clicked_at": NOW,
    },
    "revoked after delivery": {**DELIVERED, "revoked_at": NOW, "revoke_reason": "Mistake"},
}


@pytest.fixture
def built(certificate: Certificate) -> Certificate:
    rows = [
        RawRow(i, name, "" if name == "no address" else f"r{i}@example.com")
        for i, name in enumerate(STATES)
    ]
    for recipient in recipients_add(certificate=certificate, rows=rows).recipients:
        Recipient.objects.filter(pk=recipient.pk).update(**STATES[recipient.name])
    return certificate


EXPECTED = {
    "recipients": 17,
    "claimed": {"count": 4, "percent": 23.5},
    "shared_or_downloaded": {"count": 4, "percent": 23.5},
    "added_to_linkedin": {"count": 2, "percent": 11.8},
    "social_shares": {"linkedin": 2, "facebook": 1, "x": 1},
    "email": {
        "not_provided": 1,
        "not_sent": 3,
        "scheduled": 1,
        "sending": 1,
        "sent": 11,
        "delivered": 9,
        "opened": 3,
        "clicked": 1,
        "bounced": 2,
        "complained": 1,
    },
    "machine_opens": 1,
    "tracking": {"opens": True, "clicks": True},
    "opens": {
        "human": {"count": 3, "percent": 17.6},
        "machine": {"count": 3, "percent": 17.6},
        "all": {"count": 5, "percent": 29.4},
    },
    "clicks": {
        "human": {"count": 1, "percent": 5.9},
        "machine": {"count": 1, "percent": 5.9},
        "all": {"count": 2, "percent": 11.8},
    },
}


def test_it_counts_every_state_in_one_query(
    built: Certificate, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        statistics = certificate_statistics(built)
    assert statistics.pop("created_at") == built.created_at
    assert statistics == EXPECTED


def test_it_reads_the_tallies_and_never_the_recipient_rows(built: Certificate) -> None:
    with CaptureQueriesContext(connection) as queries:
        certificate_statistics(built)
    [query] = queries.captured_queries
    assert "certificates_recipienttally" in query["sql"]
    assert 'certificates_recipient"' not in query["sql"]
    assert "certificates_recipient " not in query["sql"]


def test_it_serves_the_statistics_through_the_api(api: Client, built: Certificate) -> None:
    response = api.get(f"/api/v1/certificates/{built.public_id}/statistics")
    assert response.status_code == 200
    body = response.json()
    assert body.pop("created_at")
    assert body == EXPECTED


def test_it_gives_zero_percent_without_recipients(certificate: Certificate) -> None:
    statistics = certificate_statistics(certificate)
    assert statistics["recipients"] == 0
    assert statistics["claimed"] == {"count": 0, "percent": 0.0}
    assert statistics["email"]["sent"] == 0
    assert statistics["social_shares"] == {"linkedin": 0, "facebook": 0, "x": 0}


def test_it_rounds_percentages_to_one_decimal() -> None:
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(3, 3) == 100.0
    assert percent(0, 0) == 0.0


# Each number of the statistics with a list behind it (the dashboard links it there), and
# its fact; a fact may count more than one number ("Opened" and the people's opens).
NUMBERS: list[tuple[Fact, tuple[str, ...]]] = [
    (Fact.SENT, ("email", "sent")),
    (Fact.DELIVERED, ("email", "delivered")),
    (Fact.OPENED, ("email", "opened")),
    (Fact.CLICKED, ("email", "clicked")),
    (Fact.MACHINE_OPENED_ONLY, ("machine_opens",)),
    (Fact.OPENED, ("opens", "human", "count")),
    (Fact.MACHINE_OPENED, ("opens", "machine", "count")),
    (Fact.OPENED_ANY, ("opens", "all", "count")),
    (Fact.CLICKED, ("clicks", "human", "count")),
    (Fact.MACHINE_CLICKED, ("clicks", "machine", "count")),
    (Fact.CLICKED_ANY, ("clicks", "all", "count")),
    (Fact.CLAIMED, ("claimed", "count")),
    (Fact.SHARED_OR_DOWNLOADED, ("shared_or_downloaded", "count")),
    (Fact.ADDED_TO_LINKEDIN, ("added_to_linkedin", "count")),
]


def test_it_places_every_fact_among_the_numbers() -> None:
    assert {fact for fact, _path in NUMBERS} == set(Fact) == set(FACTS)


@pytest.mark.parametrize(("fact", "path"), NUMBERS)
def test_it_lists_exactly_the_recipients_each_number_counts(
    built: Certificate, fact: Fact, path: tuple[str, ...]
) -> None:
    number: Any = certificate_statistics(built)
    for key in path:
        number = number[key]
    assert number > 0  # the list has someone to agree or disagree about
    assert recipients_filter(certificate=built, fact=fact).count() == number
