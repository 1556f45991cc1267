"""Rate limits: how often one client address, account, email address or API key may do
something costly or guessable in a window of time (docs/throttling.md).

A limit is a fixed window counter: `rate` counts per `window` seconds, the window being
the current multiple of `window` since the epoch, so every process and machine agrees on
it without talking to the others. The counters live where every process sees them: the
database by default (one row per key and window, raised by an atomic
`UPDATE … SET count = count + 1`, which SQLite and PostgreSQL both serialize), or
Redis (`INCR`, through Django's cache framework) when CONFERRAL_CACHE_URL names one.
Django's own database cache is not used: its `incr` reads and writes in two steps, so
parallel requests lose counts. A key is stored only as an HMAC digest: never a raw
address, email, token or API key.

Two ways to count: `throttle_hit` counts an attempt and says whether it may go on (the
first `rate` in a window may); `throttle_check` only looks, so a caller can refuse before
doing the costly part (hashing a password, looking up a token) and count afterwards only
what failed. Parallel requests that pass the look together are each counted, so at most
one per parallel request gets past a full window."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from conferral.core.client import client_address
from conferral.core.models import ThrottleCounter

CACHE_ALIAS = "throttle"


@dataclass(frozen=True)
class Limit:
    """At most `rate` counts per `window` seconds under one `name`."""

    name: str
    rate: int
    window: int


@dataclass(frozen=True)
class Decision:
    """Whether to go on, and if not, in how many seconds the window ends."""

    allowed: bool
    retry_after: int = 0


ALLOWED = Decision(allowed=True)


def limit_of(name: str) -> Limit | None:
    """The configured limit `name` (settings.THROTTLE_LIMITS); None when it is off."""
    configured = settings.THROTTLE_LIMITS[name]
    if configured is None:
        return None
    rate, window = configured
    return Limit(name=name, rate=rate, window=window)


def throttle_address(request: HttpRequest) -> str:
    """The client address every limit per address counts (the one place that asks)."""
    return client_address(request)


def _window(limit: Limit, key: str, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The counter's stored key and the end of the current window."""
    number = int(now.timestamp()) // limit.window
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{limit.name}\0{key}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    ends = dt.datetime.fromtimestamp((number + 1) * limit.window, tz=dt.UTC)
    return f"{limit.name}:{digest}:{number}", ends


def _seconds_until(ends: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((ends - now).total_seconds()))


def _database_raise(counter: str) -> int | None:
    """The counter's count after adding 1, or None if it has no row: one
    `UPDATE … RETURNING` (SQLite 3.35 and PostgreSQL), where an UPDATE and a SELECT
    were two statements for every API call."""
    quote = connection.ops.quote_name
    table, key, count = (quote(name) for name in (ThrottleCounter._meta.db_table, "key", "count"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {count} = {count} + 1 WHERE {key} = %s RETURNING {count}",  # noqa: S608
            [counter],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _database_add(counter: str, ends: dt.datetime, now: dt.datetime) -> int:
    with transaction.atomic():
        if (count := _database_raise(counter)) is not None:
            return count
        try:
            with transaction.atomic():
                ThrottleCounter.objects.create(key=counter, count=1, expires_at=ends)
        except IntegrityError:
            # Another process created it meanwhile: count on its row.
            return _database_raise(counter) or 1
        # A new window began: the windows that ended are of no use to anyone now.
        ThrottleCounter.objects.filter(expires_at__lte=now).delete()
        return 1


def _database_count(counter: str) -> int:
    found = ThrottleCounter.objects.filter(key=counter).values_list("count", flat=True).first()
    return found or 0


def _cache_add(counter: str, ends: dt.datetime, now: dt.datetime) -> int:
    cache = caches[CACHE_ALIAS]
    # add() creates the counter only if it is missing; incr() is Redis's atomic INCR.
    cache.add(counter, 0, timeout=_seconds_until(ends, now) + 1)
    return int(cache.incr(counter))


def _cache_count(counter: str) -> int:
    return int(caches[CACHE_ALIAS].get(counter, 0))


def _in_cache() -> bool:
    return bool(settings.THROTTLE_STORE == "cache")


def throttle_hit(limit: Limit | None, key: str) -> Decision:
    """Count one attempt of `key` under `limit`: allowed while the window's count is at
    most the rate. A limit that is off allows everything and counts nothing."""
    if limit is None:
        return ALLOWED
    now = timezone.now()
    counter, ends = _window(limit, key, now)
    count = _cache_add(counter, ends, now) if _in_cache() else _database_add(counter, ends, now)
    if count <= limit.rate:
        return ALLOWED
    return Decision(allowed=False, retry_after=_seconds_until(ends, now))


def throttle_check(limit: Limit | None, key: str) -> Decision:
    """Whether one more attempt of `key` would be allowed, without counting it."""
    if limit is None:
        return ALLOWED
    now = timezone.now()
    counter, ends = _window(limit, key, now)
    count = _cache_count(counter) if _in_cache() else _database_count(counter)
    if count < limit.rate:
        return ALLOWED
    return Decision(allowed=False, retry_after=_seconds_until(ends, now))


def throttle_refused(*decisions: Decision) -> Decision | None:
    """The refusal among `decisions` that lasts longest, or None if all allow."""
    refusals = [d for d in decisions if not d.allowed]
    return max(refusals, key=lambda d: d.retry_after) if refusals else None


class Throttled(Exception):
    """Raised where a response cannot be returned directly (the API's authentication):
    the API answers it with a 429 (conferral.api.errors)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"throttled for {decision.retry_after}s")
        self.decision = decision
