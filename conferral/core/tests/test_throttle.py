"""The limiter itself: fixed windows, exact counts under parallel hits, hashed keys,
the database and the Redis store, and the settings that configure it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from freezegun import freeze_time
from pytest_django.fixtures import Settings

import conferral
from conferral.core.models import ThrottleCounter
from conferral.core.throttle import (
    Decision,
    Limit,
    limit_of,
    throttle_check,
    throttle_hit,
    throttle_refused,
)

ROOT = Path(conferral.__file__).resolve().parent.parent
THREADS = 8
HITS_PER_THREAD = 25


@pytest.fixture
def redis_store(settings: Settings, redis_url: str) -> None:
    settings.THROTTLE_STORE = "cache"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        },
    }


def _limit(rate: int = 3, window: int = 60) -> Limit:
    # A name of its own, so counters in Redis (which outlive a test) never meet.
    return Limit(name=f"test-{uuid.uuid4().hex[:8]}", rate=rate, window=window)


@pytest.mark.django_db
def test_it_allows_the_rate_then_refuses_until_the_window_ends() -> None:
    limit = _limit(rate=3, window=60)
    with freeze_time("2030-01-01 10:00:50") as clock:
        decisions = [throttle_hit(limit, "203.0.113.9") for _ in range(5)]
        clock.move_to("2030-01-01 10:01:00")
        after = throttle_hit(limit, "203.0.113.9")

    assert decisions == [Decision(True)] * 3 + [Decision(False, retry_after=10)] * 2
    assert after.allowed


@pytest.mark.django_db
def test_it_looks_without_counting() -> None:
    limit = _limit(rate=2)

    looks = [throttle_check(limit, "a") for _ in range(10)]
    throttle_hit(limit, "a")
    throttle_hit(limit, "a")

    assert all(d.allowed for d in looks)
    assert not throttle_check(limit, "a").allowed
    assert throttle_check(limit, "b").allowed


@pytest.mark.django_db
def test_it_stores_no_raw_key() -> None:
    email = "Owner@Acme.test"
    throttle_hit(_limit(), email)

    (row,) = ThrottleCounter.objects.all()
    assert email.lower() not in row.key.lower()
    assert "acme" not in row.key.lower()


@pytest.mark.django_db
def test_it_deletes_the_windows_that_ended() -> None:
    limit = _limit(window=60)
    with freeze_time("2030-01-01 10:00:00") as clock:
        throttle_hit(limit, "old")
        clock.move_to("2030-01-01 10:05:00")
        throttle_hit(limit, "new")

    assert ThrottleCounter.objects.count() == 1


@pytest.mark.django_db
def test_it_allows_everything_when_a_limit_is_off(settings: Settings) -> None:
    settings.THROTTLE_LIMITS = {**settings.THROTTLE_LIMITS, "claim_address": None}

    assert limit_of("claim_address") is None
    assert all(throttle_hit(None, "x").allowed for _ in range(100))
    assert not ThrottleCounter.objects.exists()


def test_it_names_the_longest_refusal() -> None:
    short, long = Decision(False, 5), Decision(False, 50)

    assert throttle_refused(Decision(True), short, long) == long
    assert throttle_refused(Decision(True), Decision(True)) is None


def _hammer(limit: Limit, key: str, close: bool) -> list[bool]:
    allowed: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(HITS_PER_THREAD):
                decision = throttle_hit(limit, key)
                with lock:
                    allowed.append(decision.allowed)
        finally:
            if close:
                connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return allowed


@pytest.mark.django_db(transaction=True)
def test_it_counts_exactly_under_parallel_hits_in_the_database(throttle_window: None) -> None:
    limit = _limit(rate=50, window=3600)

    allowed = _hammer(limit, "shared", close=True)

    assert len(allowed) == THREADS * HITS_PER_THREAD
    assert allowed.count(True) == 50
    assert ThrottleCounter.objects.get().count == THREADS * HITS_PER_THREAD


@pytest.mark.django_db
def test_it_counts_exactly_under_parallel_hits_in_redis(
    redis_store: None, throttle_window: None
) -> None:
    limit = _limit(rate=50, window=3600)

    allowed = _hammer(limit, "shared", close=False)

    assert allowed.count(True) == 50
    assert not throttle_check(limit, "shared").allowed
    assert throttle_check(limit, "other").allowed
    assert not ThrottleCounter.objects.exists()


@pytest.mark.django_db
def test_it_stores_no_raw_key_in_redis(redis_store: None, redis_url: str) -> None:
    limit = _limit()
    throttle_hit(limit, "owner@acme.test")

    keys = redis.Redis.from_url(redis_url).keys(f"*{limit.name}*")
    assert len(keys) == 1
    assert b"acme" not in keys[0]


def _settings_with(variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    env["CONFERRAL_DATA_DIR"] = os.environ.get("CONFERRAL_DATA_DIR", "./var")
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import conferral.settings as s; print(s.THROTTLE_LIMITS)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("value", ["ten", "10", "10/", "0/60", "10/-5", "10 per minute"])
def test_it_refuses_a_limit_it_cannot_read(value: str) -> None:
    result = _settings_with({"CONFERRAL_THROTTLE_LOGIN_ACCOUNT": value})

    assert result.returncode != 0
    assert "CONFERRAL_THROTTLE_LOGIN_ACCOUNT must be count/seconds" in result.stderr


def test_it_reads_limits_and_off_from_the_environment() -> None:
    result = _settings_with(
        {"CONFERRAL_THROTTLE_LOGIN_ACCOUNT": "5/60", "CONFERRAL_THROTTLE_API_KEY": "off"}
    )

    assert result.returncode == 0, result.stderr
    assert "'login_account': (5, 60)" in result.stdout
    assert "'api_key': None" in result.stdout


def test_it_refuses_a_cache_url_that_is_not_redis() -> None:
    result = _settings_with({"CONFERRAL_CACHE_URL": "memcached://127.0.0.1:11211"})

    assert result.returncode != 0
    assert "CONFERRAL_CACHE_URL must be a redis:// URL" in result.stderr
