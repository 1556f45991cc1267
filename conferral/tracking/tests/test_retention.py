"""Events pruned after their organization's retention: the installation's default, an
organization's own number of days or forever; in ranges of ids; counted by a dry run;
the recipients' status columns and the statistics untouched; and the timeline saying
once that its beginning was removed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim
from conferral.certificates.event_details import CredentialRevoked
from conferral.certificates.events import event_record
from conferral.certificates.models import Certificate, Channel, Event, Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.certificates.tallies import recipient_tallies
from conferral.dashboard.recipient import EVENTS_PER_PAGE
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url
from conferral.delivery import worker
from conferral.tracking import retention
from conferral.tracking.retention import events_prune, events_pruner
from conferral.tracking.services import credential_view_record

NOW = timezone.now()
PRUNED_SENTENCE = "were removed after"


def _claimed_at(recipient: Recipient, days_ago: int) -> None:
    """The recipient views and claims its credential `days_ago` days ago, through the
    services (so its status columns and events are the real ones)."""
    with freeze_time(NOW - dt.timedelta(days=days_ago)):
        credential_view_record(recipient=recipient, channel=Channel.EMAIL)
        credential_claim(recipient=recipient, channel=Channel.EMAIL)


def _events(recipient: Recipient) -> int:
    return Event.objects.filter(recipient=recipient).count()


def _person(certificate: Certificate, name: str) -> Recipient:
    rows = [RawRow(1, name, f"{name.lower()}@example.com")]
    return recipients_add(certificate=certificate, rows=rows).recipients[0]


def test_it_prunes_the_events_past_the_default_retention_and_keeps_the_statuses(
    settings: Settings, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    settings.EVENT_RETENTION_DAYS = 395
    old, new = add_recipients(("Old", "old@example.com"), ("New", "new@example.com"))
    _claimed_at(old, 400)
    _claimed_at(new, 10)
    tallies = recipient_tallies(certificate)
    columns = Recipient.objects.values_list("claimed_at", "viewed_at", "status").order_by("pk")
    before = list(columns)

    report = events_prune(now=NOW)

    assert report.removed == 2
    assert [(g.days, g.organizations, g.removed) for g in report.groups] == [(395, 1, 2)]
    assert _events(old) == 0
    assert _events(new) == 2
    assert list(columns) == before
    assert recipient_tallies(certificate) == tallies
    assert events_prune(now=NOW).removed == 0


def test_it_keeps_each_organizations_events_as_long_as_it_says(
    settings: Settings, org: Organization, other_org: Organization, certificate: Certificate
) -> None:
    settings.EVENT_RETENTION_DAYS = 395
    org.event_retention_days = 30
    org.save()
    forever = Organization.objects.create(name="Archive", event_retention_days=0)
    ours = _person(certificate, "Ours")
    theirs = _person(certificate_create(organization=other_org, name="Theirs"), "Theirs")
    kept = _person(certificate_create(organization=forever, name="Kept"), "Kept")
    for recipient in (ours, theirs, kept):
        _claimed_at(recipient, 60)  # a view and the claim
        _claimed_at(recipient, 1000)  # a view (the claim is done)

    report = events_prune(now=NOW)

    assert _events(ours) == 0
    assert _events(theirs) == 2
    assert _events(kept) == 3
    assert sorted((g.days, g.removed) for g in report.groups) == [(30, 3), (395, 1)]


def test_it_counts_in_a_dry_run_and_removes_nothing(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [old] = add_recipients(("Old", "old@example.com"))
    _claimed_at(old, 500)

    report = events_prune(dry_run=True, now=NOW)

    assert report.removed == 2
    assert _events(old) == 2
    assert Organization.objects.get().events_pruned_before is None


def test_it_walks_the_table_in_ranges_and_stops_at_the_young_events(
    monkeypatch: pytest.MonkeyPatch,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    monkeypatch.setattr(retention, "EVENT_PRUNE_BATCH", 3)
    for person in add_recipients(*[(f"P{n}", f"p{n}@example.com") for n in range(7)]):
        _claimed_at(person, 800)
    _claimed_at(_person(certificate, "Young"), 5)
    statements: list[str] = []

    def remember(run: Callable[..., object], sql: str, *args: object) -> object:
        statements.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(remember):
        report = events_prune(now=NOW)

    assert report.removed == 14
    assert Event.objects.count() == 2
    # 16 ids in ranges of 3: the sixth range holds only the young events, and ends it.
    assert len([sql for sql in statements if sql.startswith("DELETE")]) == 6


def test_it_tells_the_timeline_once_that_its_beginning_was_removed(
    user_client: Client, org: Organization, certificate: Certificate
) -> None:
    org.event_retention_days = 30
    org.save()
    ada = _person(certificate, "Ada")
    _claimed_at(ada, 90)
    start = NOW - dt.timedelta(days=2)
    for number in range(EVENTS_PER_PAGE + 2):
        event_record(
            recipient=ada,
            detail=CredentialRevoked(reason=f"step {number}"),
            at=start + dt.timedelta(minutes=number),
        )
    url = recipient_action_url("recipient", ada)
    assert PRUNED_SENTENCE not in page_text(user_client.get(url))

    events_prune(now=NOW)

    cutoff = date_format(NOW - dt.timedelta(days=30), "DATE_FORMAT")
    latest = page_text(user_client.get(url))
    assert PRUNED_SENTENCE not in latest  # the latest page is not the timeline's start
    oldest = user_client.get(f"{url}?before={Event.objects.order_by('at', 'pk')[2].pk}")
    html = page_text(oldest)
    assert html.count(PRUNED_SENTENCE) == 1
    assert (
        f"Events before {cutoff} were removed after 30 days, as this organization keeps them."
        in html
    )


def test_it_tells_no_recipient_who_began_after_the_cutoff(
    user_client: Client, org: Organization, certificate: Certificate
) -> None:
    org.event_retention_days = 30
    org.save()
    old, new = _person(certificate, "Old"), _person(certificate, "New")
    _claimed_at(old, 90)
    _claimed_at(new, 3)

    events_prune(now=NOW)

    assert PRUNED_SENTENCE not in page_text(user_client.get(recipient_action_url("recipient", new)))
    assert PRUNED_SENTENCE in page_text(user_client.get(recipient_action_url("recipient", old)))


@pytest.mark.django_db(transaction=True)  # the companion closes its connection
def test_it_prunes_in_every_worker_beside_the_work(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [old] = add_recipients(("Old", "old@example.com"))
    _claimed_at(old, 500)
    stop = threading.Event()
    stop.set()

    assert events_pruner in worker._companions
    events_pruner(stop)

    assert _events(old) == 0


@pytest.mark.parametrize("value", ["thirteen months", "-5", "1.5"])
def test_it_refuses_a_retention_that_is_not_a_number_of_days(value: str, tmp_path: Path) -> None:
    env = {"CONFERRAL_EVENT_RETENTION_DAYS": value, "CONFERRAL_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import conferral.settings"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "CONFERRAL_EVENT_RETENTION_DAYS must be a whole number of days" in result.stderr


def test_it_tells_of_the_removal_without_days_once_the_organization_keeps_events_forever(
    user_client: Client, org: Organization, certificate: Certificate
) -> None:
    org.event_retention_days = 30
    org.save()
    old = _person(certificate, "Old")
    _claimed_at(old, 90)
    events_prune(now=NOW)
    Organization.objects.filter(pk=org.pk).update(event_retention_days=0)

    html = page_text(user_client.get(recipient_action_url("recipient", old)))

    cutoff = date_format(NOW - dt.timedelta(days=30), "DATE_FORMAT")
    assert f"Events before {cutoff} were removed." in html
