"""SQLite only: a connection setting changed for a block of work and put back after."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


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
