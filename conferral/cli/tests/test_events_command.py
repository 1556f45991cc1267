"""`conferral events prune [--dry-run]`: what it removes (or would), said per group of
organizations that keep their events equally long."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.certificates.models import Channel, Event, Recipient
from conferral.cli.tests.conftest import Run
from conferral.tracking.services import credential_view_record


def _viewed_days_ago(recipient: Recipient, days: int) -> None:
    with freeze_time(timezone.now() - dt.timedelta(days=days)):
        credential_view_record(recipient=recipient, channel=Channel.EMAIL)


def test_it_says_what_a_dry_run_would_remove_and_removes_nothing(
    run: Run, settings: Settings, people: list[Recipient]
) -> None:
    settings.EVENT_RETENTION_DAYS = 30
    _viewed_days_ago(people[0], 40)
    _viewed_days_ago(people[1], 20)

    result = run("events", "prune", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 event would be removed: older than 30 days (before "), (
        result.stdout
    )
    assert result.stdout.rstrip().endswith("in 1 organization(s).")
    assert Event.objects.count() == 2


def test_it_removes_the_old_events_and_says_how_many(
    run: Run, settings: Settings, people: list[Recipient]
) -> None:
    settings.EVENT_RETENTION_DAYS = 30
    _viewed_days_ago(people[0], 40)
    _viewed_days_ago(people[1], 45)

    result = run("events", "prune")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 events removed: older than 30 days (before ")
    assert Event.objects.count() == 0


def test_it_says_so_when_every_organization_keeps_its_events_forever(
    run: Run, settings: Settings, people: list[Recipient], org: Organization
) -> None:
    settings.EVENT_RETENTION_DAYS = 0
    _viewed_days_ago(people[0], 4000)

    result = run("events", "prune")

    assert result.stdout == "Every organization keeps its events forever: nothing to remove.\n"
    assert Event.objects.count() == 1
