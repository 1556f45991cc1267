"""Helpers for the delivery tests: short retry delays and running the deliver loop the
way workers do, until nothing is left to send."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.certificates.models import Recipient
from conferral.delivery.pipeline import DeliverReport, deliver_due

MAX_ROUNDS = 200
WAIT_STEP = 0.02


@pytest.fixture
def fast_retries(settings: SettingsWrapper) -> list[float]:
    """Three retries, a few hundredths of a second apart."""
    settings.SEND_RETRY_DELAYS = [0.02, 0.02, 0.02]
    return list(settings.SEND_RETRY_DELAYS)


def deliver_all() -> DeliverReport:
    """Run deliver rounds (waiting for retries to come due) until no recipient is
    pending; the sum of the rounds' reports."""
    total = DeliverReport()
    for _round in range(MAX_ROUNDS):
        report = deliver_due()
        for name in ("claimed", "delivered", "bounced", "deferred", "lost", "batches"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if not Recipient.objects.filter(next_attempt_at__isnull=False).exists():
            return total
        time.sleep(WAIT_STEP)
    raise AssertionError("recipients were still pending after every round")


@pytest.fixture
def deliver() -> Callable[[], DeliverReport]:
    return deliver_all
