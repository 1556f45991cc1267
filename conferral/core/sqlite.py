"""SQLite only: the connection options every SQLite database runs with, and a
connection setting changed for a block of work and put back after."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

BUSY_TIMEOUT_SECONDS = 30


def sqlite_options() -> dict[str, object]:
    """The OPTIONS of a SQLite database, the default one and one given as a
    `sqlite:///` URL alike: without them a second process (the CLI while `conferral
    serve` runs) fails with "database is locked" instead of waiting its turn.
    IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait (busy timeout)
    instead of failing to upgrade a read lock; WAL lets readers go on meanwhile."""
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": BUSY_TIMEOUT_SECONDS,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000};"
        ),
    }


@contextlib.contextmanager
def sqlite_pragma(name: str, value: int) -> Iterator[None]:
    """Set `PRAGMA name = value` on this connection while the block runs, then restore
    the previous value (unless the connection was closed and reopened meanwhile, which
    starts it with the default again). Other databases manage their own settings, so
    nothing happens there."""
    if connection.vendor != "sqlite":
        yield
        return
    if not name.isidentifier():
        raise ValueError(f"not a PRAGMA name: {name!r}")
    connection.ensure_connection()
    raw = connection.connection
    (previous,) = raw.execute(f"PRAGMA {name}").fetchone()
    raw.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        if connection.connection is raw:
            raw.execute(f"PRAGMA {name} = {int(previous)}")
