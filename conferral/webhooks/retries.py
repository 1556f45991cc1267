"""When a failed delivery is tried again, and when an endpoint that keeps failing is
disabled: one home for the schedule (docs/webhooks.md describes it)."""

from __future__ import annotations

import datetime as dt

FIRST_DELAY = dt.timedelta(minutes=1)
LONGEST_DELAY = dt.timedelta(hours=1)
RETRY_FOR = dt.timedelta(hours=24)
# An endpoint is disabled after this many failed attempts in a row, once it has been
# failing for at least this long (a short outage disables nothing).
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER = dt.timedelta(hours=12)


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1 minute, doubling to an hour."""
    doublings = min(max(0, attempts - 1), 16)
    return min(FIRST_DELAY * (1 << doublings), LONGEST_DELAY)


def give_up_at(start: dt.datetime) -> dt.datetime:
    return start + RETRY_FOR


def disable_due(*, failures: int, failing_since: dt.datetime | None, now: dt.datetime) -> bool:
    return (
        failures >= DISABLE_AFTER_FAILURES
        and failing_since is not None
        and now - failing_since >= DISABLE_AFTER
    )
