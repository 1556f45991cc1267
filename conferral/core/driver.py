"""The database driver's own cursor, for the few hot statements that skip Django's
cursor wrapper (query rewriting, execute wrappers, debug logging), which costs as much
again as a one-row statement itself.

On PostgreSQL it is psycopg's `Cursor`, which binds parameters on the server, so a
statement run with `prepare=True` is parsed and planned once per connection. Django's
own cursors bind on the client and never prepare; Django also turns psycopg's
preparing off for the whole connection (`prepare_threshold` None), so conferral.settings
turns it back on: without that, `prepare=True` is ignored."""

from __future__ import annotations

from typing import Any

from django.db import connection


def driver_cursor() -> Any:
    """A cursor of the driver itself on this thread's connection (opened if need be):
    psycopg's server-binding `Cursor` on PostgreSQL, sqlite3's cursor (`?` parameters)
    on SQLite."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(connection.connection)
    return connection.connection.cursor()
