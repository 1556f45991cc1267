"""SQLite's limit on the parameters of one statement, lowered for a test: a build with a
low limit makes a chunk of an import take many INSERT statements."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def sqlite_parameter_limit(limit: int) -> Iterator[None]:
    """At most `limit` parameters a statement on this connection while the block runs
    (SQLite only; on another database, nothing changes)."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    try:
        yield
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)
