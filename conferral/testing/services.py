"""Session fixtures for real PostgreSQL and Redis servers.

`scripts/test` starts both once and passes their URLs in CONFERRAL_TEST_POSTGRES_URL and
CONFERRAL_TEST_REDIS_URL; a plain `pytest` run starts its own. When a server cannot be
had, a test that needs it is skipped on a developer's machine and fails in CI
(CI=true): in CI a missing service is a failure, never a silent skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from conferral.testing.servers import ServerUnavailable, postgres_server, redis_server


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server with a `conferral` database that tests may use
    as a template: a test that needs a database of its own creates it."""
    if url := os.environ.get("CONFERRAL_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        with postgres_server() as server:
            yield server.url
    except ServerUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if url := os.environ.get("CONFERRAL_TEST_REDIS_URL"):
        yield url
        return
    try:
        with redis_server() as server:
            yield server.url
    except ServerUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture
def fresh_database_url(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own (for real worker processes,
    which cannot share the test run's transaction), dropped afterwards."""
    name = f"conferral_fault_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(postgres_url)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
