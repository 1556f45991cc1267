"""Hand-written SQL of the tracking hot path: the click's one read and the journal's bulk
writes, each an executemany or a single indexed statement where the ORM would build a
query per call (or a CASE per row). Table and column names come from the models, quoted
by the backend; every value is a parameter."""

from __future__ import annotations

from django.db import connection

from conferral.certificates.models import Event, Recipient
from conferral.certificates.statements import column

# The recipient columns a batch of hits may change, in the order of the UPDATE's values.
HIT_COLUMNS = ("opened_at", "machine_opened_at", "clicked_at", "email_status")


def _table(model: type[Recipient] | type[Event]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def token_select_sql() -> str:
    """The token of the recipient with a public id (its unique index)."""
    return (
        f"SELECT {column(Recipient, 'token')} FROM {_table(Recipient)} "  # noqa: S608
        f"WHERE {column(Recipient, 'public_id')} = %s"
    )


def hit_columns_update_sql() -> str:
    """Set the HIT_COLUMNS of one recipient (for executemany: values, then its id)."""
    sets = ", ".join(f"{column(Recipient, name)} = %s" for name in HIT_COLUMNS)
    return f"UPDATE {_table(Recipient)} SET {sets} WHERE {column(Recipient, 'id')} = %s"  # noqa: S608


def event_detail_update_sql() -> str:
    """Set the detail of one event (for executemany: the detail, then its id)."""
    return (
        f"UPDATE {_table(Event)} SET {column(Event, 'detail')} = %s "  # noqa: S608
        f"WHERE {column(Event, 'id')} = %s"
    )
